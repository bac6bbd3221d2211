/** One sample's value from Prometheus' text format, e.g. metricValue(text, 'weian_reports_total{outcome="accepted",reason=""}'); NaN when absent. */
export const metricValue = (text: string, sample: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : Number.NaN;
};
