/**
 * The shape of the directive table: one entry per directive name, saying how to handle it and
 * where it may appear (repeatable, inside `<connection>`, as an inline block). The table itself
 * is data split over the directives-*.ts files (guide rule 1: declare once, as data).
 */
import type { Ctx, Opt } from './draft.js'

export interface DirectiveSpec {
  /** Interpret the option into the draft, reporting issues. Never throws. */
  readonly handle: (ctx: Ctx, o: Opt) => void
  /** May appear several times (no duplicate warning). */
  readonly repeatable?: boolean
  /** Allowed inside a `<connection>` block. */
  readonly connection?: boolean
  /** May (or must) be given as an inline block `<name>…</name>`. */
  readonly inline?: boolean
}

export type DirectiveTable = Readonly<Record<string, DirectiveSpec>>
