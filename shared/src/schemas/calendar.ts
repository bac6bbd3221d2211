import { z } from 'zod';
import { addDays, isIsoDate, type HolidayArrangement } from '../calendar.js';

/**
 * A year's holiday arrangement as an administrator loads it (form or JSON file), checked before it
 * can move any deadline: one whole year (all seven statutory holidays), ranges inside that year and
 * not overlapping, 调休 days on weekends outside the holidays. Messages: Chinese / English.
 */
export const STATUTORY_HOLIDAYS = [
  { key: '元旦', en: "New Year's Day" },
  { key: '春节', en: 'Spring Festival' },
  { key: '清明', en: 'Qingming' },
  { key: '劳动', en: 'Labour Day' },
  { key: '端午', en: 'Dragon Boat Festival' },
  { key: '中秋', en: 'Mid-Autumn Festival' },
  { key: '国庆', en: 'National Day' },
] as const;

const Day = z.string().refine(isIsoDate, '日期格式应为 YYYY-MM-DD / expected a date as YYYY-MM-DD');
const weekday = (d: string) => new Date(`${d}T00:00:00Z`).getUTCDay();

export const HolidayArrangementSchema = z
  .object({
    year: z.number().int().min(2004).max(2100),
    holidays: z
      .array(z.object({ name: z.string().trim().min(1).max(40), from: Day, to: Day }).strict())
      .min(STATUTORY_HOLIDAYS.length - 1)
      .max(20),
    workdays: z.array(Day).max(20),
    /** Where the dates come from (the notice's number), kept with the year. */
    source: z.string().trim().max(200).optional(),
    /** docs/calendar-2027.example.json carries `example: true`: its dates are not official and are refused. */
    example: z.boolean().optional(),
    note: z.string().max(1000).optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const issue = (path: (string | number)[], zh: string, en: string) => ctx.addIssue({ code: 'custom', path, message: `${zh} / ${en}` });
    if (a.example)
      issue(
        ['example'],
        '这是示例文件，日期并非官方安排：请按国务院办公厅通知填写并删除 "example"',
        'this is the example file, its dates are not official: enter the State Council notice\'s dates and remove "example"',
      );
    const inYear = (d: string) => d.startsWith(`${a.year}-`);
    const off = new Map<string, string>();
    a.holidays.forEach((h, i) => {
      if (!inYear(h.from) || !inYear(h.to))
        issue(
          ['holidays', i],
          `${h.name}：日期须在 ${a.year} 年内（跨年的假期只填本年部分）`,
          `${h.name}: dates must be within ${a.year} (enter only this year's part of a holiday that spans the new year)`,
        );
      if (h.to < h.from) return issue(['holidays', i, 'to'], `${h.name}：结束日期早于开始日期`, `${h.name}: ends before it starts`);
      for (let d = h.from; d <= h.to; d = addDays(d, 1)) {
        const other = off.get(d);
        if (other !== undefined) return issue(['holidays', i], `${h.name} 与 ${other} 在 ${d} 重叠`, `${h.name} overlaps ${other} on ${d}`);
        off.set(d, h.name);
      }
    });
    for (const s of STATUTORY_HOLIDAYS)
      if (!a.holidays.some((h) => h.name.includes(s.key)))
        issue(
          ['holidays'],
          `缺少${s.key}：须填写全年的安排（元旦、春节、清明节、劳动节、端午节、中秋节、国庆节）`,
          `${s.en} is missing: enter the whole year's arrangement (all seven statutory holidays)`,
        );
    const seen = new Set<string>();
    a.workdays.forEach((d, i) => {
      if (!inYear(d)) issue(['workdays', i], `调休上班日 ${d} 不在 ${a.year} 年内`, `working day in lieu ${d} is not within ${a.year}`);
      else if (weekday(d) !== 0 && weekday(d) !== 6) issue(['workdays', i], `调休上班日 ${d} 不是周六或周日`, `working day in lieu ${d} is not a Saturday or Sunday`);
      if (off.has(d)) issue(['workdays', i], `调休上班日 ${d} 落在假期 ${off.get(d)} 内`, `working day in lieu ${d} falls inside ${off.get(d)}`);
      if (seen.has(d)) issue(['workdays', i], `调休上班日 ${d} 重复`, `working day in lieu ${d} is listed twice`);
      seen.add(d);
    });
  }) satisfies z.ZodType<HolidayArrangement>;

export type HolidayArrangementInput = z.infer<typeof HolidayArrangementSchema>;

/** Zod's issues as lines an administrator reads: where, then what. */
export const arrangementProblems = (error: z.ZodError): string[] => error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
