/*
 * slim-quant report (tools/cli_quant_report.c): per-tensor error of a
 * quantized GGUF against the original weights.
 */
#ifndef SLIM_TOOLS_CLI_QUANT_REPORT_H
#define SLIM_TOOLS_CLI_QUANT_REPORT_H

int cli_quant_report(int argc, char **argv);

#endif
