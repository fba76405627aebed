/* Equal exposure as a safety game, the unordered game of bench/exposure_game.py (`solve`) in C.
 *
 *   gcc -O2 -o /tmp/exposure_game bench/exposure_game.c
 *   /tmp/exposure_game MODELS CATEGORIES ROUND_MODEL ROUND_PAIR CATEGORY_MODEL CATEGORY_PAIR
 *   /tmp/exposure_game 4 4 2 2 3 3
 *
 * Plain C99 and libc, one thread. It prints whether the sampler or the adversary wins, the reachable
 * states, the sampler's moves (edges), the category vectors, the fixpoint sweeps and the seconds;
 * progress goes to stderr every 30 s or so.
 *
 * The game (the same as `solve(Game(n, Bounds(rm, rp), Bounds(cm, cp)), k)` in exposure_game.py):
 * n models, k categories. Each battle the adversary names a category and the sampler answers with an
 * unordered pair of models. A level is a vector of counts, one per unordered pair; its model gap is
 * the most battles of a model less the fewest, its pair gap the most battles of a pair less the fewest.
 * Each category's gaps must stay within (cm, cp) and the round's (all categories summed) within
 * (rm, rp). Gaps depend only on the counts less their minimum, so a category is its vector less its
 * minimum (entries 0..cp, held within cm and cp: the "category vectors"), and the round is the sum of
 * those (a shift of the true round, the same gaps). A state is the k category vectors, reduced by
 * renaming the models (n! renamings) and the categories (the vectors sorted). From a state, each
 * distinct category is one adversary choice; the sampler's moves are the pairs whose draw keeps that
 * category and the round within their bounds. The sampler wins if the empty round survives the
 * greatest fixpoint: drop every state in which some category leaves no move into a kept state.
 *
 * Encoding: a state is the sorted indices of its k category vectors packed into a 64-bit key (the
 * first in the highest bits); the canonical key is the least over the n! renamings, trying only the
 * renamings that take some category to the least index in its orbit (the key's leading index).
 * States are found breadth-first from the empty round through an open-addressing hash table; the moves
 * are kept as state ids (4 bytes each) in a temporary file; the fixpoint is repeated in-place sweeps from the last state
 * to the first until nothing drops.
 *
 * Cross-checked against the Python solver (same winner and the same number of reachable states):
 *
 *   models categories round category | winner    | states (Python) | states (C)
 *   4      3          -,1   -,1      | adversary |             478 |        478
 *   4      2          1,1   1,1      | adversary |              19 |         19
 *   4      2          1,1   2,2      | adversary |             187 |        187
 *   4      2          2,2   1,1      | sampler   |              50 |         50
 *   4      2          2,2   2,2      | sampler   |             949 |        949
 *   4      3          2,2   2,2      | sampler   |          46,072 |     46,072
 *   4      3          2,2   1,1      | adversary |             269 |        269
 *   5      1          1,1   1,1      | sampler   |              11 |         11
 *   5      2          2,2   1,1      | sampler   |             396 |        396
 *   4      2          3,2   2,3      | sampler   |           3,283 |      3,283
 *   4      3          3,3   1,1      | sampler   |             380 |        380
 *   4      4          2,2   2,2      | adversary |       2,164,453 |  2,164,453
 *
 * (the first six are CASES of exposure_game.py; "-" is unbounded, 99; the Python count for the last
 * is the one measured earlier, 1,133 s, not rerun here; the C solver takes 4.8 s.)
 *
 * Results (one core; seconds are wall clock, the moves file in /tmp is served from the page cache):
 *
 *   models categories round category | winner    | states      | moves         | seconds | peak RSS
 *   4      4          2,2   3,3      | adversary | 322,019,154 | 3,232,915,984 |  1,345  | 8.1 GB
 *   4      4          3,3   2,2      | sampler   |   6,804,178 |    73,960,550 |     18  | 0.3 GB
 *   5      3          2,2   2,2      | sampler   | 155,200,220 | 1,413,290,659 |    553  | 3.9 GB
 *
 * (4 models, 5 categories, round 2,2, category 3,3 was not run: the question was only open if the
 * sampler held with four categories, and it does not. The moves file of the first case is 12.9 GB.)
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXN 6
#define MAXP (MAXN * (MAXN - 1) / 2)
#define MAXK 8
#define SKIP 255 /* a category equal to the one before it: same moves, not a separate adversary choice */

static int n, k, npairs, round_model, round_pair, cat_model, cat_pair;
static int pair_a[MAXP], pair_b[MAXP], pair_index[MAXN][MAXN];

/* The category vectors: pair counts less their minimum, within the category's bounds. */
static int nvec;
static uint8_t *vec;      /* nvec x npairs counts */
static int32_t *vec_of;   /* raw base-(cat_pair+1) code -> vector index, or -1 */
static int32_t *step_to;  /* nvec x npairs: the vector after one more draw of that pair, or -1 */
static int nperm;
static int32_t *renamed;  /* nvec x nperm */
static int32_t *orbit_min;   /* the least index a renaming gives the vector */
static int32_t *min_start;   /* renamings reaching orbit_min: min_list[min_start[i] .. min_start[i+1]) */
static int32_t *min_list;
static int bits;             /* bits for one vector index in a state key */

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *xmalloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (!p) { fprintf(stderr, "out of memory (%zu bytes)\n", size); exit(2); }
    return p;
}

static void *xrealloc(void *q, size_t size) {
    void *p = realloc(q, size);
    if (!p) { fprintf(stderr, "out of memory (%zu bytes)\n", size); exit(2); }
    return p;
}

/* Model gap and pair gap of a vector of pair counts. */
static void gaps(const int *v, int *model_gap, int *pair_gap) {
    int counts[MAXN] = {0}, lo = v[0], hi = v[0];
    for (int i = 0; i < npairs; i++) {
        counts[pair_a[i]] += v[i];
        counts[pair_b[i]] += v[i];
        if (v[i] < lo) lo = v[i];
        if (v[i] > hi) hi = v[i];
    }
    int mlo = counts[0], mhi = counts[0];
    for (int m = 1; m < n; m++) {
        if (counts[m] < mlo) mlo = counts[m];
        if (counts[m] > mhi) mhi = counts[m];
    }
    *model_gap = mhi - mlo;
    *pair_gap = hi - lo;
}

static long code_of(const int *v) {
    long code = 0;
    for (int i = npairs - 1; i >= 0; i--) code = code * (cat_pair + 1) + v[i];
    return code;
}

/* Index of v reduced by its minimum if it holds the category's bounds, else -1. */
static int32_t lookup(const int *raw) {
    int v[MAXP], lo = raw[0], mg, pg;
    for (int i = 1; i < npairs; i++) if (raw[i] < lo) lo = raw[i];
    for (int i = 0; i < npairs; i++) v[i] = raw[i] - lo;
    gaps(v, &mg, &pg);
    if (mg > cat_model || pg > cat_pair) return -1;
    return vec_of[code_of(v)];
}

static void build_vectors(void) {
    long codes = 1;
    for (int i = 0; i < npairs; i++) codes *= cat_pair + 1;
    vec_of = xmalloc(codes * sizeof *vec_of);
    vec = xmalloc(codes * npairs);
    nvec = 0;
    int v[MAXP];
    for (long c = 0; c < codes; c++) {
        long x = c;
        int lo = cat_pair, mg, pg;
        for (int i = 0; i < npairs; i++) { v[i] = x % (cat_pair + 1); x /= cat_pair + 1; if (v[i] < lo) lo = v[i]; }
        gaps(v, &mg, &pg);
        if (lo != 0 || mg > cat_model || pg > cat_pair) { vec_of[c] = -1; continue; }
        vec_of[c] = nvec;
        for (int i = 0; i < npairs; i++) vec[(size_t)nvec * npairs + i] = v[i];
        nvec++;
    }
    bits = 1;
    while ((1L << bits) < nvec) bits++;
    if (bits * k > 64) { fprintf(stderr, "%d categories of %d bits do not fit a 64-bit key\n", k, bits); exit(2); }

    step_to = xmalloc((size_t)nvec * npairs * sizeof *step_to);
    for (int i = 0; i < nvec; i++)
        for (int p = 0; p < npairs; p++) {
            for (int j = 0; j < npairs; j++) v[j] = vec[(size_t)i * npairs + j];
            v[p]++;
            step_to[(size_t)i * npairs + p] = lookup(v);
        }

    /* Every renaming of the models, as a permutation of the pairs. */
    int perm[MAXN], pair_image[720][MAXP];
    nperm = 0;
    for (int m = 0; m < n; m++) perm[m] = m;
    for (;;) {
        for (int p = 0; p < npairs; p++) pair_image[nperm][p] = pair_index[perm[pair_a[p]]][perm[pair_b[p]]];
        nperm++;
        int i = n - 2;  /* next permutation in lexicographic order */
        while (i >= 0 && perm[i] > perm[i + 1]) i--;
        if (i < 0) break;
        int j = n - 1;
        while (perm[j] < perm[i]) j--;
        int t = perm[i]; perm[i] = perm[j]; perm[j] = t;
        for (int a = i + 1, b = n - 1; a < b; a++, b--) { t = perm[a]; perm[a] = perm[b]; perm[b] = t; }
    }
    renamed = xmalloc((size_t)nvec * nperm * sizeof *renamed);
    orbit_min = xmalloc(nvec * sizeof *orbit_min);
    min_start = xmalloc((nvec + 1) * sizeof *min_start);
    int total = 0;
    for (int i = 0; i < nvec; i++) {
        int best = nvec;
        for (int r = 0; r < nperm; r++) {
            for (int p = 0; p < npairs; p++) v[pair_image[r][p]] = vec[(size_t)i * npairs + p];
            int32_t j = vec_of[code_of(v)];
            if (j < 0) { fprintf(stderr, "renaming left the vectors\n"); exit(3); }
            renamed[(size_t)i * nperm + r] = j;
            if (j < best) best = j;
        }
        orbit_min[i] = best;
        for (int r = 0; r < nperm; r++) total += renamed[(size_t)i * nperm + r] == best;
    }
    min_list = xmalloc(total * sizeof *min_list);
    total = 0;
    for (int i = 0; i < nvec; i++) {
        min_start[i] = total;
        for (int r = 0; r < nperm; r++)
            if (renamed[(size_t)i * nperm + r] == orbit_min[i]) min_list[total++] = r;
    }
    min_start[nvec] = total;
}

/* A state: its k vector indices sorted ascending, the first in the highest bits. The canonical key is
 * the least key over all renamings; its first index is the least orbit_min among the categories, so
 * only the renamings taking some category to that orbit_min need be tried. */
static uint64_t pack(const int32_t *u) {
    uint64_t key = 0;
    for (int c = 0; c < k; c++) key = (key << bits) | (uint64_t)u[c];
    return key;
}

static void unpack(uint64_t key, int32_t *u) {
    for (int c = k - 1; c >= 0; c--) { u[c] = key & ((1ULL << bits) - 1); key >>= bits; }
}

static uint64_t canon(const int32_t *w) {
    int32_t top = nvec, u[MAXK];
    for (int c = 0; c < k; c++) if (orbit_min[w[c]] < top) top = orbit_min[w[c]];
    uint64_t best = UINT64_MAX;
    for (int c = 0; c < k; c++) {
        if (orbit_min[w[c]] != top) continue;
        if (c && w[c] == w[c - 1]) continue;  /* w is sorted; the same vector gives the same renamings */
        for (int32_t m = min_start[w[c]]; m < min_start[w[c] + 1]; m++) {
            int r = min_list[m];
            for (int j = 0; j < k; j++) {  /* insertion sort of the renamed vectors */
                int32_t x = renamed[(size_t)w[j] * nperm + r];
                int i = j;
                while (i > 0 && u[i - 1] > x) { u[i] = u[i - 1]; i--; }
                u[i] = x;
            }
            uint64_t key = pack(u);
            if (key < best) best = key;
        }
    }
    return best;
}

/* The reachable states: keys[id], found through an open-addressing table of id + 1 (0 = empty). */
static uint64_t *keys;
static size_t nstates, keys_cap;
static uint32_t *table;
static size_t table_mask;

static inline uint64_t mix(uint64_t x) {
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27; x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void grow_table(void) {
    size_t size = (table_mask + 1) * 2;
    free(table);
    table = xmalloc(size * sizeof *table);
    memset(table, 0, size * sizeof *table);
    table_mask = size - 1;
    for (size_t id = 0; id < nstates; id++) {
        size_t h = mix(keys[id]) & table_mask;
        while (table[h]) h = (h + 1) & table_mask;
        table[h] = (uint32_t)(id + 1);
    }
}

/* The id of the state, added if new. */
static uint32_t intern(uint64_t key) {
    size_t h = mix(key) & table_mask;
    while (table[h]) {
        if (keys[table[h] - 1] == key) return table[h] - 1;
        h = (h + 1) & table_mask;
    }
    if (nstates >= UINT32_MAX - 1) { fprintf(stderr, "too many states\n"); exit(2); }
    if (nstates == keys_cap) {
        keys_cap *= 2;
        keys = xrealloc(keys, keys_cap * sizeof *keys);
    }
    keys[nstates] = key;
    table[h] = (uint32_t)(nstates + 1);
    nstates++;
    if (nstates * 2 > table_mask + 1) grow_table();
    return nstates - 1;
}

/* The sampler's moves, in id order: for state s and category c, moves_count[s * k + c] successors
 * (SKIP for a category equal to the one before it), their ids consecutive in the moves. The moves are
 * the bulk of the memory (4 bytes each, about ten a state), so they go to an unnamed temporary file in
 * blocks, and the sweeps read them back from the end, a block at a time. */
#ifndef BLOCK
#define BLOCK ((size_t)1 << 25) /* move ids in a block: 128 MiB */
#endif
static uint32_t *block;
static size_t block_used, nedges;
static FILE *moves_file;
static uint8_t *moves_count;
static size_t moves_cap;

static void flush_block(void) {
    if (block_used && fwrite(block, sizeof *block, block_used, moves_file) != block_used) {
        fprintf(stderr, "cannot write the moves to the temporary file\n");
        exit(2);
    }
    block_used = 0;
}

static void explore(void) {
    keys_cap = 1 << 20;
    keys = xmalloc(keys_cap * sizeof *keys);
    table_mask = (1 << 21) - 1;
    table = xmalloc((table_mask + 1) * sizeof *table);
    memset(table, 0, (table_mask + 1) * sizeof *table);
    block = xmalloc(BLOCK * sizeof *block);
    moves_file = tmpfile();
    if (!moves_file) { fprintf(stderr, "cannot open a temporary file\n"); exit(2); }
    moves_cap = 1 << 22;
    moves_count = xmalloc(moves_cap);

    int32_t zero[MAXK];
    int z[MAXP] = {0};
    for (int c = 0; c < k; c++) zero[c] = vec_of[code_of(z)];
    intern(canon(zero));
    double started = now(), last = started;
    for (size_t s = 0; s < nstates; s++) {
        int32_t w[MAXK], u[MAXK];
        unpack(keys[s], w);
        int total[MAXP] = {0};
        for (int c = 0; c < k; c++)
            for (int p = 0; p < npairs; p++) total[p] += vec[(size_t)w[c] * npairs + p];
        /* Which draws keep the round within its bounds (the round is the sum of the categories). */
        int round_ok[MAXP];
        for (int p = 0; p < npairs; p++) {
            int mg, pg;
            total[p]++;
            gaps(total, &mg, &pg);
            total[p]--;
            round_ok[p] = mg <= round_model && pg <= round_pair;
        }
        if ((s + 1) * k > moves_cap) { moves_cap *= 2; moves_count = xrealloc(moves_count, moves_cap); }
        for (int c = 0; c < k; c++) {
            if (c && w[c] == w[c - 1]) { moves_count[s * k + c] = SKIP; continue; }
            uint32_t found[MAXP];
            int count = 0;
            for (int p = 0; p < npairs; p++) {
                if (!round_ok[p]) continue;
                int32_t next = step_to[(size_t)w[c] * npairs + p];
                if (next < 0) continue;
                memcpy(u, w, sizeof u);
                u[c] = next;
                /* keep u sorted: move the changed entry into place */
                for (int i = c; i + 1 < k && u[i] > u[i + 1]; i++) { int32_t t = u[i]; u[i] = u[i + 1]; u[i + 1] = t; }
                for (int i = c; i > 0 && u[i] < u[i - 1]; i--) { int32_t t = u[i]; u[i] = u[i - 1]; u[i - 1] = t; }
                uint32_t id = intern(canon(u));
                int dup = 0;
                for (int i = 0; i < count; i++) dup |= found[i] == id;
                if (!dup) found[count++] = id;
            }
            if (block_used + count > BLOCK) flush_block();
            memcpy(block + block_used, found, count * sizeof *found);
            block_used += count;
            nedges += count;
            moves_count[s * k + c] = count;
        }
        if ((s & 0xfffff) == 0 && now() - last > 30) {
            last = now();
            fprintf(stderr, "  %zu states expanded of %zu found, %zu moves, %.0f s\n", s + 1, nstates, nedges,
                    last - started);
        }
    }
    flush_block();
    free(table);
    free(keys);
    table = NULL;
    keys = NULL;
}

/* Greatest fixpoint: drop a state when some category has no move into a kept state, until stable.
 * Dropping within a sweep (in place) only reaches the fixpoint sooner. The sweeps run from the last
 * state found to the first: a move mostly leads to a state found later, so a drop reaches the states
 * leading to it within the same sweep. Kept states are a bitmap (it stays in cache longer). */
static uint64_t *kept;

#define KEPT(s) ((kept[(s) >> 6] >> ((s) & 63)) & 1)

static int sweeps(void) {
    size_t words = (nstates + 63) / 64;
    kept = xmalloc(words * sizeof *kept);
    memset(kept, 0xff, words * sizeof *kept);
    int count = 0, changed = 1;
    while (changed) {
        changed = 0;
        count++;
        size_t e = nedges, lo = nedges;  /* block holds the moves lo .. lo + BLOCK */
        for (size_t s = nstates; s-- > 0;) {
            const uint8_t *m = moves_count + s * k;
            size_t begin = e;
            for (int c = 0; c < k; c++) if (m[c] != SKIP) begin -= m[c];
            if (begin < lo) {  /* read the block of moves ending at e */
                lo = e > BLOCK ? e - BLOCK : 0;
                if (fseek(moves_file, (long)(lo * sizeof *block), SEEK_SET) ||
                    fread(block, sizeof *block, e - lo, moves_file) != e - lo) {
                    fprintf(stderr, "cannot read the moves back\n");
                    exit(2);
                }
            }
            e = begin;
            if (!KEPT(s)) continue;
            int lost = 0;
            for (int c = 0; c < k && !lost; c++) {
                if (m[c] == SKIP) continue;
                int any = 0;
                for (int i = 0; i < m[c] && !any; i++) any = KEPT(block[begin - lo + i]);
                begin += m[c];
                lost = !any;
            }
            if (lost) { kept[s >> 6] &= ~(1ULL << (s & 63)); changed = 1; }
        }
        if (e != 0) { fprintf(stderr, "moves out of step\n"); exit(3); }
        if (nstates > 1000000) fprintf(stderr, "  sweep %d: start %s\n", count, KEPT(0) ? "kept" : "dropped");
    }
    return count;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s models categories round_model round_pair category_model category_pair\n",
                argv[0]);
        return 1;
    }
    n = atoi(argv[1]);
    k = atoi(argv[2]);
    round_model = atoi(argv[3]);
    round_pair = atoi(argv[4]);
    cat_model = atoi(argv[5]);
    cat_pair = atoi(argv[6]);
    if (n < 2 || n > MAXN || k < 1 || k > MAXK || cat_pair < 0 || cat_pair > 7 || cat_model < 0) {
        fprintf(stderr, "models 2..%d, categories 1..%d, category pair bound 0..7\n", MAXN, MAXK);
        return 1;
    }
    npairs = 0;
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++) {
            pair_a[npairs] = a;
            pair_b[npairs] = b;
            pair_index[a][b] = pair_index[b][a] = npairs++;
        }
    double started = now();
    build_vectors();
    explore();
    double explored = now();
    int count = sweeps();
    int wins = KEPT(0);  /* the empty round is state 0 */
    size_t winning = 0;
    for (size_t s = 0; s < nstates; s++) winning += KEPT(s);
    double done = now();
    printf("models %d, categories %d, round (model %d, pair %d), category (model %d, pair %d): %s\n", n, k,
           round_model, round_pair, cat_model, cat_pair, wins ? "sampler wins" : "adversary wins");
    printf("states %zu (kept %zu), moves %zu, category vectors %d, sweeps %d, %.1f s (explore %.1f s)\n",
           nstates, winning, nedges, nvec, count, done - started, explored - started);
    return 0;
}
