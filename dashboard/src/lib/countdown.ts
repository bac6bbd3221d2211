/** Time to a deadline, as the incident pages show it counting down. Pure: the clock is passed in. */
export interface Countdown {
  overdue: boolean;
  /** Whole time units of what is left (or, overdue, how far past): days only from a day up. */
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const SECOND = 1000;
/** The time left to `deadline` at `nowMs`, or how long it is overdue; null when there is no deadline or it is not a time. */
export function countdown(deadline: string | null | undefined, nowMs: number): Countdown | null {
  const due = deadline ? Date.parse(deadline) : NaN;
  if (Number.isNaN(due)) return null;
  const left = due - nowMs;
  // Counted in whole seconds, rounded towards the deadline: "0 s left" is shown only once it has passed.
  const total = left > 0 ? Math.ceil(left / SECOND) : Math.floor(Math.abs(left) / SECOND);
  return {
    overdue: left <= 0,
    days: Math.floor(total / 86_400),
    hours: Math.floor((total % 86_400) / 3600),
    minutes: Math.floor((total % 3600) / 60),
    seconds: total % 60,
  };
}
