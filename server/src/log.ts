export interface Logger {
  info(msg: string): void;
  error(msg: string): void;
}

export function createLogger(level: 'silent' | 'info' | 'debug'): Logger {
  const at = () => new Date().toISOString();
  return {
    info: (m) => level !== 'silent' && console.log(`${at()} ${m}`),
    error: (m) => console.error(`${at()} ERROR ${m}`),
  };
}
