/* The per-thread rank cache (see bpe_cache.h). */
#include "tok/bpe_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static int key_ok;

static void make_key(void)
{
    key_ok = pthread_key_create(&key, free) == 0; /* free() at thread exit */
}

/* The thread's cache, also reachable without a call to pthread_getspecific. */
static _Thread_local slim_bpe_cache *mine;

slim_bpe_cache *slim_bpe_cache_for(const slim_vocab *v)
{
    slim_bpe_cache *c = mine;
    if (!c) {
        pthread_once(&key_once, make_key);
        if (!key_ok)
            return NULL;
        c = malloc(sizeof *c);
        if (!c)
            return NULL;
        if (pthread_setspecific(key, c) != 0) {
            free(c);
            return NULL;
        }
        c->vocab_id = 0;
        mine = c;
    }
    if (c->vocab_id != v->id) {
        memset(c->e, 0, sizeof c->e);
        c->vocab_id = v->id;
    }
    return c;
}
