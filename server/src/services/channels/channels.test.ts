import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver } from '../../testing/receiver.js';
import { sendToChannel } from '../notify.js';
import { fetchSender, type NotificationMessage } from './index.js';

const NOW = new Date('2026-11-02T02:00:00.123Z');
const MESSAGE: NotificationMessage = {
  title: '卫安风险告警：西湖区人民医院（2 条）',
  digest: false,
  institution: { code: 'A', name: '西湖区人民医院' },
  alerts: [
    {
      id: 'al_1',
      change: 'opened',
      severity: 'critical',
      ruleId: 'HOST-PORT-REMOTE-PUBLIC',
      ruleTitle: '远程管理端口暴露于公网',
      subject: 'his-db-01',
      institutionCode: 'A',
      institutionName: '西湖区人民医院',
      evidence: '3389 监听公网地址',
      at: NOW.toISOString(),
    },
    {
      id: 'al_2',
      change: 'opened',
      severity: 'high',
      ruleId: 'AGENT-OFFLINE',
      ruleTitle: '探针离线',
      subject: 'pacs-02',
      institutionCode: 'A',
      institutionName: '西湖区人民医院',
      evidence: '自 09:00 起无心跳',
      at: NOW.toISOString(),
    },
  ],
};
const MARKDOWN = [
  '### 卫安风险告警：西湖区人民医院（2 条）',
  '> 严重 1 · 高危 1',
  '',
  '- 【严重】his-db-01：远程管理端口暴露于公网（HOST-PORT-REMOTE-PUBLIC） — 3389 监听公网地址',
  '- 【高危】pacs-02：探针离线（AGENT-OFFLINE） — 自 09:00 起无心跳',
].join('\n');

describe('notification channels, each against a local endpoint', () => {
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  const send = fetchSender(5_000);
  beforeAll(async () => {
    rx = await startReceiver();
  });
  afterAll(() => rx.close());
  const last = () => rx.received.at(-1)!;
  // The local endpoints stand in for the vendors' hosts: the operator's allow-list (WEIAN_CHANNEL_HOSTS) names loopback.
  const allow = () => ['127.0.0.1'];

  it('generic webhook: the JSON message, its exact body signed with HMAC-SHA256 in a header', async () => {
    const r = await sendToChannel({ kind: 'webhook', url: `${rx.base}/hooks/weian`, secret: 's3cret' }, MESSAGE, NOW, send, allow());
    expect(r).toEqual({ ok: true, httpStatus: 200, error: null });
    const got = last();
    expect([got.method, got.url, got.headers['content-type']]).toEqual(['POST', '/hooks/weian', 'application/json']);
    expect(got.headers['x-weian-signature']).toBe(`sha256=${createHmac('sha256', 's3cret').update(got.body).digest('hex')}`);
    expect(JSON.parse(got.body)).toEqual({ type: 'weian.alerts', sentAt: NOW.toISOString(), title: MESSAGE.title, digest: false, institution: MESSAGE.institution, alerts: MESSAGE.alerts });
  });

  it('WeCom group robot: a markdown message to the URL carrying the key', async () => {
    const r = await sendToChannel({ kind: 'wecom', url: `${rx.base}/cgi-bin/webhook/send?key=693a91f6-7xxx`, secret: null }, MESSAGE, NOW, send, allow());
    expect(r.ok).toBe(true);
    expect(last().url).toBe('/cgi-bin/webhook/send?key=693a91f6-7xxx');
    expect(last().body).toBe(JSON.stringify({ msgtype: 'markdown', markdown: { content: MARKDOWN } }));
  });

  it('DingTalk robot: timestamp (ms) and sign = urlencode(base64(HMAC-SHA256(secret, timestamp\\nsecret))) in the query', async () => {
    const secret = 'SEC000000000000000000000';
    const r = await sendToChannel({ kind: 'dingtalk', url: `${rx.base}/robot/send?access_token=tok`, secret }, MESSAGE, NOW, send, allow());
    expect(r.ok).toBe(true);
    const url = new URL(last().url, rx.base);
    const ts = String(NOW.getTime());
    expect([url.pathname, url.searchParams.get('access_token'), url.searchParams.get('timestamp')]).toEqual(['/robot/send', 'tok', ts]);
    const expected = createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
    expect(url.searchParams.get('sign')).toBe(expected);
    // The raw query carries it url-encoded (base64's + / = would otherwise be mangled).
    expect(last().url).toContain(`&sign=${encodeURIComponent(expected)}`);
    expect(last().body).toBe(JSON.stringify({ msgtype: 'markdown', markdown: { title: MESSAGE.title, text: MARKDOWN } }));
  });

  it('Feishu bot: timestamp (s) and sign = base64(HMAC-SHA256 keyed by timestamp\\nsecret over nothing) in the body', async () => {
    const secret = 'feishu-secret';
    const r = await sendToChannel({ kind: 'feishu', url: `${rx.base}/open-apis/bot/v2/hook/abc`, secret }, MESSAGE, NOW, send, allow());
    expect(r.ok).toBe(true);
    const ts = String(Math.floor(NOW.getTime() / 1000));
    const sign = createHmac('sha256', `${ts}\n${secret}`).digest('base64');
    expect(last().url).toBe('/open-apis/bot/v2/hook/abc');
    expect(last().body).toBe(JSON.stringify({ timestamp: ts, sign, msg_type: 'text', content: { text: MARKDOWN } }));
  });

  it('counts an HTTP 200 carrying a robot error code, an HTTP error and a refused connection as failures', async () => {
    const bad = await startReceiver((_r, n) => (n === 1 ? { status: 200, body: '{"errcode":310000,"errmsg":"sign not match"}' } : { status: 502, body: 'bad gateway' }));
    try {
      expect(await sendToChannel({ kind: 'dingtalk', url: `${bad.base}/robot/send`, secret: 'x' }, MESSAGE, NOW, send, allow())).toEqual({
        ok: false,
        httpStatus: 200,
        error: 'errcode 310000: sign not match',
      });
      expect(await sendToChannel({ kind: 'webhook', url: `${bad.base}/h`, secret: 'x' }, MESSAGE, NOW, send, allow())).toEqual({ ok: false, httpStatus: 502, error: 'HTTP 502' });
    } finally {
      await bad.close();
    }
    // Nothing listens on the closed receiver's port any more.
    const refused = await sendToChannel({ kind: 'wecom', url: `${bad.base}/x`, secret: null }, MESSAGE, NOW, send, allow());
    expect([refused.ok, refused.httpStatus]).toEqual([false, null]);
    expect(refused.error).toMatch(/fetch failed|socket|ECONNREFUSED/i);
  });

  it('sends nowhere but a documented host or the allow-list, whatever URL is stored', async () => {
    const before = rx.received.length;
    const r = await sendToChannel({ kind: 'wecom', url: `${rx.base}/cgi-bin/webhook/send?key=k`, secret: null }, MESSAGE, NOW, send, []);
    expect(r).toEqual({ ok: false, httpStatus: null, error: 'destination not allowed (WEIAN_CHANNEL_HOSTS)' });
    expect(rx.received.length).toBe(before);
  });
});
