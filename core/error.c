/* Error messages and the library version. */
#include "slim.h"

static const char *const messages[SLIM_ERR_COUNT_] = {
    [SLIM_OK]                   = "success",
    [SLIM_ERR_NOMEM]            = "out of memory",
    [SLIM_ERR_INVALID_ARG]      = "invalid argument",
    [SLIM_ERR_IO]               = "input/output error",
    [SLIM_ERR_UNSUPPORTED]      = "not supported",
    [SLIM_ERR_CPU_UNSUPPORTED]  = "this CPU does not support the requested kernel path",
    [SLIM_ERR_NONFINITE]        = "NaN or Inf in the input",
    [SLIM_ERR_SHAPE]            = "shape is not a whole number of blocks or rows",
    [SLIM_ERR_TRUNCATED]        = "input is truncated",
    [SLIM_ERR_OVERFLOW]         = "a size, count or offset overflows",
    [SLIM_ERR_BAD_MAGIC]        = "bad magic: not a file of the expected format",
    [SLIM_ERR_BAD_VERSION]      = "unsupported format version",
    [SLIM_ERR_CORRUPT]          = "malformed content",
    [SLIM_ERR_TOO_LARGE]        = "a count or length is beyond the format's limits",
    [SLIM_ERR_DUPLICATE]        = "duplicate key or name",
    [SLIM_ERR_BAD_TYPE]         = "unknown type",
    [SLIM_ERR_BAD_ALIGNMENT]    = "alignment is zero or not a power of two",
    [SLIM_ERR_BAD_OFFSET]       = "data offset out of bounds, overlapping or misplaced",
    [SLIM_ERR_CHECKSUM]         = "checksum mismatch",
    [SLIM_ERR_BAD_UTF8]         = "invalid UTF-8",
    [SLIM_ERR_BAD_JSON]         = "invalid JSON",
    [SLIM_ERR_NOT_FOUND]        = "not found",
    [SLIM_ERR_SPECIAL_TOKEN]    = "disallowed special token in input",
    [SLIM_ERR_BUFFER_TOO_SMALL] = "buffer too small",
    [SLIM_ERR_COMPRESSION]      = "compression or decompression failed",
};

const char *slim_strerror(slim_error err)
{
    if ((unsigned)err < SLIM_ERR_COUNT_ && messages[err])
        return messages[err];
    return "unknown error";
}

const char *slim_version(void)
{
    return SLIM_VERSION_STRING;
}
