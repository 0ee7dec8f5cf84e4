/* Built against an installed libbqw with `pkg-config --cflags --libs bqw` by
 * tests/install_check.sh: loads the shipped digest and prints the measure count. */
#include <bqw.h>
#include <stdio.h>

int main(void) {
  bqw_dataset *ds = NULL;
  int err = bqw_load_default(&ds);
  if (err) {
    fprintf(stderr, "hello: %s\n", bqw_strerror(err));
    return 1;
  }
  bqw_stats stats;
  bqw_dataset_stats(ds, &stats);
  printf("libbqw %s: %zu measures\n", bqw_version(), stats.measures);
  bqw_dataset_free(ds);
  return 0;
}
