import { topicInName } from "../keys.ts";
import { type FileUnit, unitName } from "./file-units.ts";

/**
 * Bookkeeping of the file source, beside the commit records (which the plan stage reads as
 * batch summaries, so nothing else may live under their prefix):
 * `_lakestream/files/<table>/<object version>/plan.json` says how an object version was cut,
 * `…/<unit>.json` that a unit is done; a rerun or a second event finds them and does nothing.
 */
export function filesPrefix(table: string): string {
  return `_lakestream/files/${table}/`;
}

/** The folder of one object version (its `_topic`), named as its data files are. */
export function fileStateFolder(table: string, topic: string): string {
  return `${filesPrefix(table)}${topicInName(topic)}/`;
}

export function filePlanKey(table: string, topic: string): string {
  return `${fileStateFolder(table, topic)}plan.json`;
}

export function unitDoneKey(table: string, topic: string, unit: FileUnit): string {
  return `${fileStateFolder(table, topic)}${unitName(unit)}.json`;
}

/**
 * A file (or unit of one) that could not be decoded at all goes to quarantine whole:
 * `<prefix>/<table>/files/<object version>/…`, the reason as JSON beside a copy of the bytes.
 */
export function fileQuarantineFolder(prefix: string, table: string, topic: string): string {
  return `${prefix}/${table}/files/${topicInName(topic)}/`;
}
