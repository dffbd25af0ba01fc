/*
 * heap.h - a binary min-heap over a caller's array, generated per element
 * type. The BPE engines queue different entries (HF's merge candidates by
 * rank, llama.cpp-SPM bigrams by score) with the same sift-up and
 * sift-down; LESS(a, b) compares two elements passed by value and decides
 * the order, ties included, so equal keys pop exactly as the references do.
 */
#ifndef SLIM_TOK_HEAP_H
#define SLIM_TOK_HEAP_H

#include <stddef.h>

/* Defines static PREFIX_push(T *h, size_t *n, T x) and
 * static T PREFIX_pop(T *h, size_t *n) (n > 0). h holds room for the pushes. */
#define SLIM_DEFINE_HEAP(PREFIX, T, LESS)                                    \
    static void PREFIX##_push(T *h, size_t *n, T x)                           \
    {                                                                         \
        size_t i = (*n)++;                                                    \
        while (i) {                                                           \
            size_t p = (i - 1) / 2;                                           \
            if (!LESS(x, h[p]))                                               \
                break;                                                        \
            h[i] = h[p];                                                      \
            i = p;                                                            \
        }                                                                     \
        h[i] = x;                                                             \
    }                                                                         \
    static T PREFIX##_pop(T *h, size_t *n)                                    \
    {                                                                         \
        T top = h[0], x = h[--*n];                                            \
        size_t i = 0, m = *n;                                                 \
        for (;;) {                                                            \
            size_t c = 2 * i + 1;                                             \
            if (c >= m)                                                       \
                break;                                                        \
            if (c + 1 < m && LESS(h[c + 1], h[c]))                            \
                c++;                                                          \
            if (!LESS(h[c], x))                                               \
                break;                                                        \
            h[i] = h[c];                                                      \
            i = c;                                                            \
        }                                                                     \
        if (m)                                                                \
            h[i] = x;                                                         \
        return top;                                                           \
    }

#endif
