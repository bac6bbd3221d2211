// The dashboard imports only this type.
export type { AppRouter } from './routers/_app.js';
