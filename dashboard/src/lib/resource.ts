import { toApiError, type ApiError } from '../api/errors.js';

/** Server data a view shows, with its loading and error state. */
export interface Resource<T> {
  data: T | null;
  loading: boolean;
  error: ApiError | null;
  /** Bumped on every load, so that only the newest answer is kept when loads overlap. */
  seq: number;
}

export const emptyResource = <T>(): Resource<T> => ({ data: null, loading: false, error: null, seq: 0 });

/**
 * Loads into `r`. Old data stays visible while a refresh runs and when it fails, so a live
 * update or a network hiccup never blanks a page; the error is kept beside it.
 */
export async function load<T>(r: Resource<T>, fetch: () => Promise<T>): Promise<void> {
  const seq = ++r.seq;
  r.loading = true;
  try {
    const data = await fetch();
    if (seq !== r.seq) return;
    r.data = data;
    r.error = null;
  } catch (e) {
    if (seq !== r.seq) return;
    r.error = toApiError(e);
  } finally {
    if (seq === r.seq) r.loading = false;
  }
}
