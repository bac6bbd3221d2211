import { api, type ApiClient } from './client.js';
import { call, handleError, type ApiError } from './errors.js';
import type { In, Out } from './types.js';
import { uploadEvidence } from './uploads.js';

type S = ApiClient['selfInspection'];
export type SelfInspectionDetail = Out<S['get']['query']>;
export type SelfInspectionRow = Out<S['list']['query']>[number];
export type SelfInspectionTemplate = Out<S['template']['query']>;

/** The yearly self-inspection (自查自评). The server decides who may do what; `actions` lists it per caller. */
export const selfInspectionApi = {
  template: (year: number) => call(() => api().selfInspection.template.query({ year })),
  list: (year: number) => call(() => api().selfInspection.list.query({ year })),
  get: (year: number, institutionCode: string) => call(() => api().selfInspection.get.query({ year, institutionCode })),
  publishTemplate: (input: In<S['publishTemplate']['mutate']>) => call(() => api().selfInspection.publishTemplate.mutate(input)),
  save: (input: In<S['save']['mutate']>) => call(() => api().selfInspection.save.mutate(input)),
  upload: (year: number, file: File) => uploadEvidence({ selfInspection: year }, file),
  submit: (year: number) => call(() => api().selfInspection.submit.mutate({ year })),
  review: (input: In<S['review']['mutate']>) => call(() => api().selfInspection.review.mutate(input)),
  /** Calls `onChange` whenever a self-inspection the user may see moves (scoped by the server); returns the unsubscribe. */
  live: (onChange: (ev: { institutionCode: string; year: number }) => void, onError: (e: ApiError) => void = () => {}) => {
    const sub = api().selfInspection.live.subscribe(undefined, { onData: (ev) => onChange(ev), onError: (e) => onError(handleError(e)) });
    return () => sub.unsubscribe();
  },
};
