import { CfnOutput, Stack } from "aws-cdk-lib";
import * as glue from "aws-cdk-lib/aws-glue";
import { Construct } from "constructs";
import type { Pipeline } from "../../shared/core/pipeline/types.ts";
import { goldGlueTableInputs, publishedGlueTableInput } from "../glue-published-tables.ts";
import type { GlueTableOptions } from "../glue-table-input.ts";
import { publishedTables } from "../lake-layout.ts";

export interface PublishedTablesProps extends GlueTableOptions {
  readonly pipeline: Pipeline;
  readonly catalogId: string;
  readonly databaseName: string;
}

/**
 * The tables Athena users query: the compacted table (each source offset once) and one table
 * per gold table of the pipeline's `aggregations`. For an Iceberg pipeline these are Iceberg
 * tables the plan stage creates (and evolves) through the catalog, so CloudFormation creates
 * none of them. For a Hive-layout pipeline they are Glue tables with partition projection, so
 * new partitions appear without crawlers; each gold table's construct id is its name, so
 * adding, removing or reordering gold tables never replaces the others. The stack outputs
 * `PublishedTableName` and `GoldTableNames` (`<database>.<table>`) name them either way.
 */
export class PublishedTables extends Construct {
  /** The compacted table's Glue table (Hive layout only). */
  readonly compacted?: glue.CfnTable;
  readonly gold: Readonly<Record<string, glue.CfnTable>> = {};

  constructor(scope: Construct, id: string, props: PublishedTablesProps) {
    super(scope, id);
    const { pipeline, catalogId, databaseName, ...options } = props;
    if (pipeline.sink.tableFormat === "hive") {
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
    }
    const names = publishedTables(pipeline);
    // On the stack itself, so the output names stay as readable as `TableName`.
    const stack = Stack.of(this);
    new CfnOutput(stack, "PublishedTableName", {
      value: `${databaseName}.${names.compact[0]}`,
      description: "Compacted table: each source offset exactly once",
    });
    if (names.aggregate.length > 0)
      new CfnOutput(stack, "GoldTableNames", {
        value: names.aggregate.map((t) => `${databaseName}.${t}`).join(","),
        description: "Gold tables",
      });
  }
}
