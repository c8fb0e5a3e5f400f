import { CfnOutput, Stack } from "aws-cdk-lib";
import * as glue from "aws-cdk-lib/aws-glue";
import { Construct } from "constructs";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import {
  goldGlueTableInputs,
  publishedGlueTableInput,
  publishedTableName,
} from "../glue-published-tables.ts";
import type { GlueTableOptions } from "../glue-table-input.ts";

export interface PublishedTablesProps extends GlueTableOptions {
  readonly pipeline: Pipeline;
  readonly catalogId: string;
  readonly databaseName: string;
}

/**
 * The Glue tables Athena users query: the compacted table (each source offset once) and one
 * table per gold table of the pipeline's `aggregations`, all with partition projection, so new
 * partitions appear without crawlers. Each gold table's construct id is its name, so adding,
 * removing or reordering gold tables never replaces the others. The stack outputs
 * `PublishedTableName` and `GoldTableNames` (`<database>.<table>`) name them.
 */
export class PublishedTables extends Construct {
  readonly compacted: glue.CfnTable;
  readonly gold: Readonly<Record<string, glue.CfnTable>> = {};

  constructor(scope: Construct, id: string, props: PublishedTablesProps) {
    super(scope, id);
    const { pipeline, catalogId, databaseName, ...options } = props;
    this.compacted = new glue.CfnTable(this, "Compacted", {
      catalogId,
      databaseName,
      tableInput: publishedGlueTableInput(pipeline, options),
    });
    const gold: Record<string, glue.CfnTable> = {};
    for (const tableInput of goldGlueTableInputs(pipeline, options)) {
      gold[tableInput.name] = new glue.CfnTable(this, `Gold-${tableInput.name}`, {
        catalogId,
        databaseName,
        tableInput,
      });
    }
    this.gold = gold;
    // On the stack itself, so the output names stay as readable as `TableName`.
    const stack = Stack.of(this);
    new CfnOutput(stack, "PublishedTableName", {
      value: `${databaseName}.${publishedTableName(pipeline)}`,
      description: "Compacted table: each source offset exactly once",
    });
    const names = Object.keys(gold).map((t) => `${databaseName}.${t}`);
    if (names.length > 0)
      new CfnOutput(stack, "GoldTableNames", { value: names.join(","), description: "Gold tables" });
  }
}
