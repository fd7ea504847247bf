/**
 * Parser for `status 3` output (tab-separated, spec 2.6): the CLIENT_LIST rows used to rebuild
 * the CID table after (re)attaching.
 */
import { z } from 'zod'

export interface StatusClient {
  commonName: string
  realAddress: string
  virtualAddress: string
  virtualAddress6: string
  bytesReceived: number
  bytesSent: number
  connectedSince: number
  username: string
  cid: number
  peerId: string
}

const row = z.tuple([
  z.literal('CLIENT_LIST'),
  z.string(),
  z.string(),
  z.string(),
  z.string(),
  z.string().regex(/^\d+$/),
  z.string().regex(/^\d+$/),
  z.string(),
  z.string().regex(/^\d+$/),
  z.string(),
  z.string().regex(/^\d+$/),
  z.string(),
  z.string(),
])

export interface StatusReport {
  title: string
  clients: StatusClient[]
}

export function parseStatus3(lines: readonly string[]): StatusReport {
  const report: StatusReport = { title: '', clients: [] }
  for (const line of lines) {
    const cols = line.split('\t')
    if (cols[0] === 'TITLE') report.title = cols[1] ?? ''
    if (cols[0] !== 'CLIENT_LIST') continue
    // Tolerate extra trailing columns of later versions.
    const r = row.safeParse(cols.slice(0, 13).concat(Array(Math.max(0, 13 - cols.length)).fill('')))
    if (!r.success) continue
    const c = r.data
    report.clients.push({
      commonName: c[1],
      realAddress: c[2],
      virtualAddress: c[3],
      virtualAddress6: c[4],
      bytesReceived: Number(c[5]),
      bytesSent: Number(c[6]),
      connectedSince: Number(c[8]),
      username: c[9],
      cid: Number(c[10]),
      peerId: c[11],
    })
  }
  return report
}
