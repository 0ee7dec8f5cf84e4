/*
 * test_uuid.c -- bqw_uuid5 (core/uuid.c): RFC 4122 version 5 UUIDs against values
 * Python's uuid.uuid5 gives (the RFC's own example, an empty name, a name in UTF-8, and
 * one of 200 bytes, which takes SHA-1 over several blocks), and bad namespaces refused.
 */
#include "bqw.h"
#include "check.h"

#include <string.h>

static void expect(const char *ns, const char *name, size_t len, const char *want) {
  char out[37];
  CHECK_EQ_INT(bqw_uuid5(ns, name, len, out), 0);
  CHECK_STR(out, want);
}

int main(void) {
  /* uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") */
  expect("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org", 10,
         "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  /* ns = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/bqw/refi-qda") */
  expect("6ba7b811-9dad-11d1-80b4-00c04fd430c8", "https://github.com/bqw/refi-qda", 31,
         "f335a795-ba9a-580f-b56b-739800f993b9");
  const char *ns = "F335A795-BA9A-580F-B56B-739800F993B9"; /* upper case reads too */
  expect(ns, "", 0, "1dc90a3a-c8fc-5778-86c5-baf288b89d35");
  expect(ns, NULL, 0, "1dc90a3a-c8fc-5778-86c5-baf288b89d35");
  const char name[] = "code\0policy-tools\0供给型";
  expect(ns, name, sizeof name - 1, "024ebf59-21f2-53d3-bdce-b7ad6968975c");
  char many[200];
  memset(many, 'x', sizeof many);
  expect(ns, many, sizeof many, "a07fb640-f2a8-5d08-8ac0-4573e54ef568");
  char out[37] = "untouched";
  CHECK_EQ_INT(bqw_uuid5("f335a795-ba9a-580f-b56b-739800f993b", "a", 1, out), BQW_EINVAL);
  CHECK_EQ_INT(bqw_uuid5("f335a795-ba9a-580f-b56b-739800f993b9x", "a", 1, out),
               BQW_EINVAL);
  CHECK_EQ_INT(bqw_uuid5("f335a795xba9a-580f-b56b-739800f993b9", "a", 1, out),
               BQW_EINVAL);
  CHECK_EQ_INT(bqw_uuid5("g335a795-ba9a-580f-b56b-739800f993b9", "a", 1, out),
               BQW_EINVAL);
  CHECK_EQ_INT(bqw_uuid5(NULL, "a", 1, out), BQW_EINVAL);
  CHECK_STR(out, "untouched");
  return check_report("uuid");
}
