/*
 * uuid.c -- name-based UUIDs (RFC 4122 version 5: SHA-1 of a namespace and a name), so
 * an export can give each thing it writes an identifier that is the same every time the
 * same input is exported (the REFI-QDA project's GUIDs). The hashing and the layout are
 * util-linux's libuuid (uuid_generate_sha1); this file checks the arguments.
 */
#include "internal.h"

#include <uuid/uuid.h>

int bqw_uuid5(const char *namespace_uuid, const char *name, size_t len, char out[37]) {
  uuid_t ns, id;
  if (!namespace_uuid || !out || (!name && len) || uuid_parse(namespace_uuid, ns) != 0)
    return BQW_EINVAL;
  uuid_generate_sha1(id, ns, len ? name : "", len);
  uuid_unparse_lower(id, out);
  return 0;
}
