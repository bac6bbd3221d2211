import { api, type ApiClient } from './client.js';
import { call, handleError, type ApiError } from './errors.js';
import type { In, Out } from './types.js';
import { uploadEvidence } from './uploads.js';

type N = ApiClient['notices'];
export type NoticePage = Out<N['list']['query']>;
export type NoticeSummary = NoticePage['items'][number];
export type NoticeDetail = Out<N['get']['query']>;
export type NoticeListFilter = NonNullable<In<N['list']['query']>>;

/** Rectification notices (整改督办). The server decides who may do what; `actions` lists it per caller. */
export const noticesApi = {
  list: (filter: NoticeListFilter = {}) => call(() => api().notices.list.query(filter)),
  get: (noticeId: string) => call(() => api().notices.get.query({ noticeId })),
  issue: (input: In<N['issue']['mutate']>) => call(() => api().notices.issue.mutate(input)),
  sign: (noticeId: string) => call(() => api().notices.sign.mutate({ noticeId })),
  answer: (noticeId: string, itemId: string, measures: string, evidence: string[]) => call(() => api().notices.answer.mutate({ noticeId, itemId, measures, evidence })),
  upload: (noticeId: string, file: File) => uploadEvidence({ notice: noticeId }, file),
  submit: (noticeId: string) => call(() => api().notices.submit.mutate({ noticeId })),
  review: (input: In<N['review']['mutate']>) => call(() => api().notices.review.mutate(input)),
  requestExtension: (noticeId: string, reason: string, workingDays: number) => call(() => api().notices.requestExtension.mutate({ noticeId, reason, workingDays })),
  /** Calls `onChange` whenever a notice the user may see moves (scoped by the server); returns the unsubscribe. */
  live: (onChange: (noticeId: string) => void, onError: (e: ApiError) => void = () => {}) => {
    const sub = api().notices.live.subscribe(undefined, { onData: (ev) => onChange(ev.noticeId), onError: (e) => onError(handleError(e)) });
    return () => sub.unsubscribe();
  },
  decideExtension: (noticeId: string, grant: boolean, comment?: string) => call(() => api().notices.decideExtension.mutate({ noticeId, grant, ...(comment ? { comment } : {}) })),
};
