/* safetensors facts shared by the reader and the writer (internal). */
#ifndef SLIM_FORMATS_ST_INTERNAL_H
#define SLIM_FORMATS_ST_INTERNAL_H

#include "slim.h"

#define SLIM_ST_METADATA_KEY "__metadata__"
#define SLIM_ST_INDEX_NAME "model.safetensors.index.json"
#define SLIM_ST_SINGLE_NAME "model.safetensors"

#endif
