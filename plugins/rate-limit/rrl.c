/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * rate-limit: classification, keys, the shared bucket table and the log
 * limiter (see rrl.h). Nothing here allocates after rrl_table_new().
 */
#include <arpa/inet.h>
#include <endian.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrl.h"

static const char *const class_names[RRL_CLASSES] = {
	[RRL_POSITIVE] = "positive", [RRL_WILDCARD] = "wildcard", [RRL_NODATA] = "nodata",
	[RRL_NXDOMAIN] = "nxdomain", [RRL_REFERRAL] = "referral", [RRL_ERROR] = "error",
	[RRL_Q_ANY] = "any",         [RRL_Q_TRANSFER] = "transfer", [RRL_Q_UPDATE] = "update",
};

const char *rrl_class_name(rrl_class_t cls)
{
	return (unsigned)cls < RRL_CLASSES ? class_names[cls] : "?";
}

/* ---- classification -------------------------------------------------------- */

/* The name negative answers are accounted by: the reported one, else the zone, else the QNAME. */
static const uint8_t *zone_or(const sl_request_t *req, const uint8_t *name)
{
	if (name)
		return name;
	return req->zone_name ? req->zone_name : req->query->qname;
}

bool rrl_classify(const sl_request_t *req, sl_result_t result, rrl_what_t *out)
{
	memset(out, 0, sizeof(*out));
	if (result == SL_RESULT_ERROR || req->kind == SL_ANSWER_ERROR) {
		out->cls = RRL_ERROR;
		out->rcode = result == SL_RESULT_ERROR ? req->rcode : req->resp->rcode;
		out->name = req->zone_name;
		return true;
	}
	switch (req->kind) {
	case SL_ANSWER_TRANSFER:
		return false;
	case SL_ANSWER_WILDCARD:
		out->cls = RRL_WILDCARD;
		out->name = zone_or(req, req->kind_name);
		return true;
	case SL_ANSWER_NODATA:
		out->cls = RRL_NODATA;
		out->name = zone_or(req, req->kind_name);
		return true;
	case SL_ANSWER_NXDOMAIN:
		out->cls = RRL_NXDOMAIN;
		out->name = zone_or(req, req->kind_name);
		return true;
	case SL_ANSWER_REFERRAL:
		out->cls = RRL_REFERRAL;
		out->name = req->kind_name ? req->kind_name : req->query->qname;
		return true;
	case SL_ANSWER_NONE:
		/* A plugin that did not say: judge by what it built. */
		if (req->resp->rcode == SL_RCODE_NXDOMAIN) {
			out->cls = RRL_NXDOMAIN;
			out->name = zone_or(req, NULL);
			return true;
		}
		if (req->resp->rcode != SL_RCODE_NOERROR) {
			out->cls = RRL_ERROR;
			out->rcode = req->resp->rcode;
			out->name = req->zone_name;
			return true;
		}
		if (req->resp->count[SL_SECTION_ANSWER] == 0) {
			out->cls = RRL_NODATA;
			out->name = zone_or(req, NULL);
			return true;
		}
		break;
	case SL_ANSWER_POSITIVE:
	default:
		break;
	}
	out->cls = RRL_POSITIVE;
	out->name = req->query->qname;
	out->qtype = req->query->qtype;
	return true;
}

/* ---- prefixes --------------------------------------------------------------- */

static void mask_bits(uint8_t *addr, unsigned bytes, unsigned bits)
{
	for (unsigned i = 0; i < bytes; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		addr[i] &= (uint8_t)(0xff00u >> bits);
		bits = 0;
	}
}

bool rrl_prefix(const struct sockaddr *sa, socklen_t len, unsigned v4, unsigned v6,
		sl_prefix_t *out)
{
	memset(out, 0, sizeof(*out));
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		struct sockaddr_in sin;
		memcpy(&sin, sa, sizeof(sin));
		memcpy(out->addr, &sin.sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6;
		memcpy(&sin6, sa, sizeof(sin6));
		if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
			memcpy(out->addr, &sin6.sin6_addr.s6_addr[12], 4);
		} else {
			memcpy(out->addr, &sin6.sin6_addr, 16);
			out->family = AF_INET6;
			out->len = (uint8_t)(v6 > 128 ? 128 : v6);
			mask_bits(out->addr, 16, out->len);
			return true;
		}
	} else {
		return false;
	}
	out->family = AF_INET;
	out->len = (uint8_t)(v4 > 32 ? 32 : v4);
	mask_bits(out->addr, 4, out->len);
	return true;
}

void rrl_prefix_text(const sl_prefix_t *p, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family == AF_INET6 ? AF_INET6 : AF_INET, p->addr, addr, sizeof(addr)))
		snprintf(addr, sizeof(addr), "?");
	snprintf(buf, size, "%s/%u", addr, (unsigned)p->len);
}

/* ---- SipHash-1-3 -------------------------------------------------------------
 * The bucket key must be keyed: an attacker who could compute it could aim
 * many distinct prefixes at one set and push a victim's bucket out of it.
 */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

struct sip {
	uint64_t v0, v1, v2, v3;
};

static inline void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL(s->v1, 13) ^ s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL(s->v3, 16) ^ s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL(s->v3, 21) ^ s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL(s->v1, 17) ^ s->v2;
	s->v2 = ROTL(s->v2, 32);
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return le64toh(v);
}

static inline void sip_init(struct sip *s, uint64_t k0, uint64_t k1)
{
	s->v0 = 0x736f6d6570736575ULL ^ k0;
	s->v1 = 0x646f72616e646f6dULL ^ k1;
	s->v2 = 0x6c7967656e657261ULL ^ k0;
	s->v3 = 0x7465646279746573ULL ^ k1;
}

/* One 8-octet block (SipHash-1-3: one compression round). */
static inline void sip_block(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	s->v0 ^= m;
}

/* The last block: the 0..7 octets left in @p tail, and the total length. */
static inline uint64_t sip_final(struct sip *s, uint64_t tail, size_t total)
{
	sip_block(s, tail | (uint64_t)(total & 0xff) << 56);
	s->v2 ^= 0xff;
	sip_round(s);
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/*
 * ASCII upper case to lower case in eight octets at once: a byte gets 0x20
 * when it lies in 'A'..'Z'. Label lengths (at most 63) are below 'A', so a
 * whole wire name can be folded this way.
 */
static inline uint64_t fold8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t low7 = w & ~high;
	uint64_t ge_a = low7 + ones * (0x80 - 'A'); /* high bit: byte >= 'A' */
	uint64_t gt_z = low7 + ones * (0x80 - 'Z' - 1); /* high bit: byte > 'Z' */
	uint64_t upper = ge_a & ~gt_z & ~w & high;
	return w | upper >> 2;
}

/* The 0..7 octets of @p p (little-endian), folded to lower case. */
static inline uint64_t load_tail(const uint8_t *p, size_t n)
{
	uint64_t m = 0;
	for (size_t b = 0; b < n; b++)
		m |= (uint64_t)p[b] << (8 * b);
	return fold8(m);
}

/* ---- the table ----------------------------------------------------------------- */

#define SET_WAYS 3
#define STREAK_CYCLE 2520 /* divisible by every slip 1..10: the count wraps without skipping */
#define LOG_SLOTS 4096    /* direct-mapped per-prefix log stamps */

/* One bucket: its key (0 = free) and its theoretical arrival time. */
struct bucket {
	uint64_t key;
	uint64_t tat; /* monotonic ns at which the bucket is full again */
};

/* One cache line: a lock, the limited streak of each bucket, three buckets. */
struct set {
	atomic_uint lock;
	uint16_t streak[SET_WAYS];
	uint16_t pad;
	struct bucket b[SET_WAYS];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct set) == 64, "a set is one cache line");

struct rrl_table {
	struct set *sets;
	size_t nsets; /* a power of two */
	uint64_t k0, k1;
	atomic_uint refs;
	atomic_uint_fast64_t log_window; /* interval number << 32 | lines logged in it */
	atomic_uint_fast64_t log_slot[LOG_SLOTS]; /* prefix tag << 32 | second last logged */
};

rrl_table_t *rrl_table_new(size_t entries, uint64_t k0, uint64_t k1)
{
	size_t want = entries / SET_WAYS + (entries % SET_WAYS != 0);
	size_t nsets = 1;

	while (nsets < want && nsets < ((size_t)1 << 40))
		nsets <<= 1;
	rrl_table_t *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->sets = aligned_alloc(64, nsets * sizeof(struct set));
	if (!t->sets) {
		free(t);
		return NULL;
	}
	memset(t->sets, 0, nsets * sizeof(struct set));
	t->nsets = nsets;
	t->k0 = k0;
	t->k1 = k1;
	atomic_init(&t->refs, 1);
	return t;
}

void rrl_table_ref(rrl_table_t *t)
{
	atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
}

void rrl_table_unref(rrl_table_t *t)
{
	if (!t || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
		return;
	free(t->sets);
	free(t);
}

size_t rrl_table_entries(const rrl_table_t *t)
{
	return t->nsets * SET_WAYS;
}

size_t rrl_table_bytes(const rrl_table_t *t)
{
	return t->nsets * sizeof(struct set) + sizeof(*t);
}

uint64_t rrl_key(const rrl_table_t *t, const sl_prefix_t *prefix, const rrl_what_t *what)
{
	/* family, length, class, 2 qtype, 2 rcode, 1 pad, 16 address octets, then the name */
	uint8_t head[24];
	struct sip s;
	size_t len = 0;

	head[0] = prefix->family == AF_INET6 ? 6 : 4;
	head[1] = prefix->len;
	head[2] = (uint8_t)what->cls;
	head[3] = (uint8_t)(what->qtype >> 8);
	head[4] = (uint8_t)what->qtype;
	head[5] = (uint8_t)(what->rcode >> 8);
	head[6] = (uint8_t)what->rcode;
	head[7] = 0;
	memcpy(head + 8, prefix->addr, 16);
	sip_init(&s, t->k0, t->k1);
	sip_block(&s, load64(head));
	sip_block(&s, load64(head + 8));
	sip_block(&s, load64(head + 16));
	uint64_t tail = 0;
	if (what->name) {
		/* Case-insensitively: a 0x20-randomised flood is one flood. */
		len = sl_name_len(what->name);
		if (len > SL_NAME_MAXLEN)
			len = SL_NAME_MAXLEN;
		size_t whole = len & ~(size_t)7;
		for (size_t i = 0; i < whole; i += 8)
			sip_block(&s, fold8(load64(what->name + i)));
		tail = load_tail(what->name + whole, len & 7);
	}
	uint64_t h = sip_final(&s, tail, sizeof(head) + len);
	return h ? h : 1;
}

void rrl_limit_init(rrl_limit_t *lim, uint32_t rate, uint32_t burst)
{
	if (rate == 0) {
		lim->interval_ns = 0;
		lim->tolerance_ns = 0;
		return;
	}
	if (burst == 0)
		burst = 1;
	lim->interval_ns = 1000000000ULL / rate;
	lim->tolerance_ns = (uint64_t)(burst - 1) * lim->interval_ns;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static void set_lock(struct set *s)
{
	for (;;) {
		if (!atomic_exchange_explicit(&s->lock, 1, memory_order_acquire))
			return;
		while (atomic_load_explicit(&s->lock, memory_order_relaxed))
			cpu_relax();
	}
}

static void set_unlock(struct set *s)
{
	atomic_store_explicit(&s->lock, 0, memory_order_release);
}

bool rrl_account(rrl_table_t *t, uint64_t key, const rrl_limit_t *lim, uint64_t now_ns,
		 uint32_t *streak)
{
	if (lim->interval_ns == 0)
		return true;
	/* The high bits pick the set; the whole key identifies the bucket in it. */
	struct set *s = &t->sets[(key >> 20) & (t->nsets - 1)];
	unsigned way = SET_WAYS;
	bool conform;

	set_lock(s);
	for (unsigned i = 0; i < SET_WAYS; i++) {
		if (s->b[i].key == key) {
			way = i;
			break;
		}
	}
	if (way == SET_WAYS) {
		/* Claim a free bucket, else the one that has refilled most. */
		way = 0;
		for (unsigned i = 0; i < SET_WAYS; i++) {
			if (s->b[i].key == 0) {
				way = i;
				break;
			}
			if (s->b[i].tat < s->b[way].tat)
				way = i;
		}
		s->b[way].key = key;
		s->b[way].tat = now_ns;
		s->streak[way] = 0;
	}
	struct bucket *b = &s->b[way];
	uint64_t tat = b->tat > now_ns ? b->tat : now_ns;
	conform = tat - now_ns <= lim->tolerance_ns;
	if (conform) {
		b->tat = tat + lim->interval_ns;
		s->streak[way] = 0;
	} else {
		s->streak[way] = (uint16_t)(s->streak[way] % STREAK_CYCLE + 1);
		*streak = s->streak[way];
	}
	set_unlock(s);
	return conform;
}

/* ---- the log limiter --------------------------------------------------------------- */

rrl_log_verdict_t rrl_log_permit(rrl_table_t *t, const sl_prefix_t *prefix, uint32_t now_s,
				 uint32_t interval)
{
	static const rrl_what_t none = { .cls = RRL_CLASSES };
	uint64_t h = rrl_key(t, prefix, &none);
	uint32_t tag = (uint32_t)(h >> 32);
	atomic_uint_fast64_t *slot = &t->log_slot[h & (LOG_SLOTS - 1)];
	uint64_t old = atomic_load_explicit(slot, memory_order_relaxed);

	if (interval == 0)
		interval = 1;
	/* Once per prefix per interval. */
	for (;;) {
		if (old != 0 && (uint32_t)(old >> 32) == tag &&
		    (int64_t)now_s - (int64_t)(uint32_t)old < (int64_t)interval)
			return RRL_LOG_NO;
		uint64_t mine = (uint64_t)tag << 32 | now_s;
		if (atomic_compare_exchange_weak_explicit(slot, &old, mine, memory_order_relaxed,
							  memory_order_relaxed))
			break;
	}
	/* At most RRL_LOG_MAX lines per interval in all. */
	uint64_t window = now_s / interval;
	uint64_t w = atomic_load_explicit(&t->log_window, memory_order_relaxed);
	for (;;) {
		uint64_t lines = (w >> 32) == window ? (w & 0xffffffffu) : 0;
		if (lines >= RRL_LOG_MAX)
			return RRL_LOG_NO;
		uint64_t next = window << 32 | (lines + 1);
		if (atomic_compare_exchange_weak_explicit(&t->log_window, &w, next,
							  memory_order_relaxed,
							  memory_order_relaxed))
			return lines + 1 == RRL_LOG_MAX ? RRL_LOG_LAST : RRL_LOG_YES;
	}
}
