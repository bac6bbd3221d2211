import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServiceDeps } from '../services/deps.js';
import { groupCommitStats } from '../services/ingest.js';
import { countAttemptsByKind } from '../storage/notifications.js';
import { probeRead } from '../storage/readiness.js';

/**
 * GET /metrics in Prometheus' text format: what a bureau's monitoring (Prometheus, Zabbix's HTTP agent,
 * Nightingale) scrapes. Readable from loopback, or with WEIAN_METRICS_TOKEN as a bearer token: the
 * figures are not secret, but they tell an outsider how many hospitals report and when.
 */
export interface MetricsSources {
  /** Open WebSockets, agents' sockets among them, and live subscriptions on this process. */
  sockets(): { total: number; agentSockets: number; subscriptions: number };
}

/** HTTP status of a refused report → the reason label (tRPC's code names). */
const REASONS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  409: 'conflict',
  413: 'too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'unavailable',
};

export function createMetrics(deps: ServiceDeps, sources: MetricsSources, opts: { token: string | undefined; clientAddress: (req: IncomingMessage) => string }) {
  const registry = new Registry();
  // The event loop's delay sampled every 100 ms, not prom-client's 10: at 10 its timer alone kept an idle server
  // at 8 of its 13.5 CPU-ms per second (on this VM a wake-up costs ~75 µs).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  const reports = new Counter({
    name: 'weian_reports_total',
    help: 'Agent reports answered, by outcome (accepted, refused) and reason of refusal',
    labelNames: ['outcome', 'reason'] as const,
    registers: [registry],
  });
  const ingestSeconds = new Histogram({
    name: 'weian_report_ingest_seconds',
    help: 'Time from request to answer for agent reports',
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    registers: [registry],
  });
  // Group commit: reports over transactions is how many reports share a commit (and its fixed cost).
  const grouped = (name: string, help: string, pick: (s: ReturnType<typeof groupCommitStats>) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(pick(groupCommitStats(deps)));
      },
    });
  grouped('weian_ingest_transactions_total', 'Transactions that stored agent reports, committed by this process', (s) => s.transactions);
  grouped('weian_ingest_transaction_reports_total', 'Reports stored in those transactions (over weian_ingest_transactions_total: reports per commit)', (s) => s.reports);
  const alerts = new Counter({ name: 'weian_alerts_total', help: 'Alerts opened and resolved by this process', labelNames: ['change'] as const, registers: [registry] });
  const sockets = (name: string, help: string, pick: (s: ReturnType<MetricsSources['sockets']>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(pick(sources.sockets()));
      },
    });
  sockets('weian_websocket_connections', 'Open WebSocket connections on this process', (s) => s.total);
  sockets('weian_agents_connected', 'Agents holding a command socket on this process', (s) => s.agentSockets);
  sockets('weian_subscriptions', 'Live subscriptions (dashboards and agents) on this process', (s) => s.subscriptions);
  new Gauge({
    name: 'weian_database_latency_seconds',
    help: 'Time of a trivial query at scrape time (NaN when the database does not answer)',
    registers: [registry],
    async collect() {
      const t0 = performance.now();
      const ok = await probeRead(deps.db).then(
        () => true,
        () => false,
      );
      this.set(ok ? (performance.now() - t0) / 1000 : Number.NaN);
    },
  });
  new Gauge({
    name: 'weian_notification_attempts',
    help: 'Notification send attempts recorded in the database (all processes), by channel kind and result',
    labelNames: ['kind', 'result'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await countAttemptsByKind(deps.db)) this.set({ kind: r.kind, result: Number(r.ok) ? 'ok' : 'failed' }, Number(r.n));
    },
  });
  const stopAlerts = deps.bus.onOrigin('alert.changed', (e) => {
    if (e.change !== 'updated') alerts.inc({ change: e.change });
  });

  const expected = opts.token ? Buffer.from(`Bearer ${opts.token}`) : null;
  const allowed = (req: IncomingMessage) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    if (expected && given.length === expected.length && timingSafeEqual(given, expected)) return true;
    const client = opts.clientAddress(req);
    return client === '127.0.0.1' || client === '::1';
  };

  return {
    /** Times an agent's report from now until its answer is sent. */
    observeReport(res: ServerResponse) {
      const end = ingestSeconds.startTimer();
      res.once('finish', () => {
        end();
        if (res.statusCode === 200) reports.inc({ outcome: 'accepted', reason: '' });
        else reports.inc({ outcome: 'refused', reason: REASONS[res.statusCode] ?? String(res.statusCode) });
      });
    },
    async handle(req: IncomingMessage, res: ServerResponse) {
      if (!allowed(req)) {
        res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
        return void res.end('metrics are served to loopback, or with the bearer token WEIAN_METRICS_TOKEN\n');
      }
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      res.end(text);
    },
    close() {
      stopAlerts();
    },
  };
}
