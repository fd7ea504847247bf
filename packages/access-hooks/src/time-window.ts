/**
 * Time windows ("mon-fri 08:00-18:00") for connection acceptance, evaluated in local time or UTC.
 */
export const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const
export type Day = (typeof DAYS)[number]

export interface TimeWindow {
  days: Day[]
  /** Minutes since midnight, inclusive. */
  from: number
  /** Minutes since midnight, exclusive; may be <= from for windows crossing midnight. */
  to: number
}

export class InvalidTimeWindowError extends Error {
  override name = 'InvalidTimeWindowError'
}

function minutes(hhmm: string, text: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm)
  if (!m) throw new InvalidTimeWindowError(`bad time "${hhmm}" in "${text}"`)
  const h = Number(m[1])
  const mi = Number(m[2])
  if (h > 24 || mi > 59 || (h === 24 && mi !== 0))
    throw new InvalidTimeWindowError(`bad time "${hhmm}" in "${text}"`)
  return h * 60 + mi
}

/** Parse `mon-fri 08:00-18:00`, `sat,sun 10:00-12:00`, `* 00:00-24:00`. */
export function parseTimeWindow(text: string): TimeWindow {
  const [dayPart, timePart] = text.trim().split(/\s+/)
  if (!dayPart || !timePart)
    throw new InvalidTimeWindowError(`expected "<days> <HH:MM-HH:MM>": "${text}"`)
  const days = new Set<Day>()
  for (const item of dayPart.toLowerCase().split(',')) {
    if (item === '*') DAYS.forEach((d) => days.add(d))
    else if (item.includes('-')) {
      const [a, b] = item.split('-') as [string, string]
      const ia = DAYS.indexOf(a as Day)
      const ib = DAYS.indexOf(b as Day)
      if (ia < 0 || ib < 0) throw new InvalidTimeWindowError(`bad day range "${item}" in "${text}"`)
      for (let i = ia; ; i = (i + 1) % 7) {
        days.add(DAYS[i] as Day)
        if (i === ib) break
      }
    } else {
      if (!DAYS.includes(item as Day))
        throw new InvalidTimeWindowError(`bad day "${item}" in "${text}"`)
      days.add(item as Day)
    }
  }
  const [f, t] = timePart.split('-')
  if (!f || !t) throw new InvalidTimeWindowError(`bad time range in "${text}"`)
  return { days: [...days], from: minutes(f, text), to: minutes(t, text) }
}

export function inWindow(w: TimeWindow, at: Date, utc: boolean): boolean {
  const day = DAYS[utc ? at.getUTCDay() : at.getDay()] as Day
  const prevDay = DAYS[((utc ? at.getUTCDay() : at.getDay()) + 6) % 7] as Day
  const min = utc
    ? at.getUTCHours() * 60 + at.getUTCMinutes()
    : at.getHours() * 60 + at.getMinutes()
  if (w.from < w.to) return w.days.includes(day) && min >= w.from && min < w.to
  // Crossing midnight: the evening part belongs to `day`, the morning part to the previous day.
  return (w.days.includes(day) && min >= w.from) || (w.days.includes(prevDay) && min < w.to)
}
