/*
 * vs_ggml.c - ggml's own quantizer against slim's scalar and widest paths,
 * on the same input in the same run, one thread each, and whether the bytes
 * are equal. Built by `make bench-ggml GGML_DIR=...` against a ggml checkout
 * built with cmake outside this repository (ggml is not part of slim).
 * Prints a markdown table; best of 3 runs per figure.
 */
#include "ggml.h"
#include "slim.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(void)
{
  int rows=256, cols=4096;
  float *x=malloc(sizeof(float)*rows*cols); float *im=malloc(sizeof(float)*cols);
  slim_synth_weights(x, 0, rows, cols, 1);
  for(int i=0;i<cols;i++) im[i]=0.5f+(float)((i*37)%101)/50.0f;
  const char *names[]={"q4_0","q4_1","q5_0","q5_1","q8_0","q2_K","q3_K","q4_K","q5_K","q6_K","iq4_nl","iq4_xs","tq1_0","tq2_0","mxfp4"};
  void *d1=malloc((size_t)rows*cols*4), *d2=malloc((size_t)rows*cols*4);
  ggml_quantize_init(GGML_TYPE_IQ4_XS); ggml_quantize_init(GGML_TYPE_IQ4_NL);
  printf("| type | imatrix | ggml ref MB/s | slim scalar MB/s | slim/ggml | slim %s MB/s | vs ggml | bytes equal |\n|---|---|---|---|---|---|---|---|\n", slim_path_name(slim_cpu_path()));
  slim_path best = slim_cpu_path();
  for(unsigned t=0;t<sizeof names/sizeof names[0];t++){
    slim_type st; slim_type_from_name(names[t], &st);
    for(int w=0;w<2;w++){
      const float *q = w?im:NULL;
      double best_g=0,best_s=0,best_v=0;
      for(int rep=0;rep<3;rep++){
        double t0=now(); ggml_quantize_chunk((enum ggml_type)st, x, d1, 0, rows, cols, q); double g=now()-t0;
        slim_set_path(SLIM_PATH_SCALAR);
        t0=now(); slim_quantize(st, x, d2, rows, cols, q, 1, NULL); double s=now()-t0;
        slim_set_path(best);
        t0=now(); slim_quantize(st, x, d2, rows, cols, q, 1, NULL); double v=now()-t0;
        double mb=(double)rows*cols*4/1e6;
        if(mb/g>best_g)best_g=mb/g; if(mb/s>best_s)best_s=mb/s; if(mb/v>best_v)best_v=mb/v;
      }
      size_t rs; slim_row_size(st, cols, &rs);
      int eq = memcmp(d1,d2,rs*rows)==0;
      printf("| %s | %s | %.1f | %.1f | %.2f | %.1f | %.1fx | %s |\n", names[t], w?"yes":"no", best_g, best_s, best_s/best_g, best_v, best_v/best_g, eq?"yes":"NO");
      fflush(stdout);
    }
  }
}
