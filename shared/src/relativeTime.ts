/**
 * How long ago, in words, for evidence and views: under an hour is 刚刚 / just now (zero hours
 * ago reads like a fault), then hours, then days from 48 hours on.
 */
export function agoText(hours: number): { zh: string; en: string } {
  if (!Number.isFinite(hours) || hours < 1) return { zh: '刚刚', en: 'just now' };
  if (hours < 48) {
    const h = Math.floor(hours);
    return { zh: `${h} 小时前`, en: `${h} h ago` };
  }
  const d = Math.floor(hours / 24);
  return { zh: `${d} 天前`, en: `${d} days ago` };
}
