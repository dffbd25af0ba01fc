/*
 * slim-pack's .slim archive commands (tools/cli_archive.c): pack, unpack,
 * ls, extract, and the archive side of inspect and verify.
 */
#ifndef SLIM_TOOLS_CLI_ARCHIVE_H
#define SLIM_TOOLS_CLI_ARCHIVE_H

extern const char cli_archive_usage_pack[];
extern const char cli_archive_usage_unpack[];
extern const char cli_archive_usage_ls[];
extern const char cli_archive_usage_extract[];

int cli_archive_pack(int argc, char **argv);
int cli_archive_unpack(int argc, char **argv);
int cli_archive_ls(int argc, char **argv);
int cli_archive_extract(int argc, char **argv);

/* 1 if the file at path starts like a .slim archive. */
int cli_archive_detect(const char *path);
/* inspect / verify of an archive; print to stdout, cli_fail on problems. */
void cli_archive_inspect(const char *path, int json);
void cli_archive_verify(const char *path);

#endif
