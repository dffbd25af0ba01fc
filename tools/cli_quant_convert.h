/*
 * slim-quant convert (tools/cli_quant_convert.c): a Hugging Face folder or
 * a GGUF file to a GGUF file that llama.cpp loads.
 */
#ifndef SLIM_TOOLS_CLI_QUANT_CONVERT_H
#define SLIM_TOOLS_CLI_QUANT_CONVERT_H

int cli_quant_convert(int argc, char **argv);

#endif
