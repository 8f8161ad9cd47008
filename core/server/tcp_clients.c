/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice core — per-client TCP connection counts, shared by all workers
 * (server->clients) and touched only on accept and close. IPv4 clients are
 * counted as their v4-mapped IPv6 form so both share one table.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "server.h"
#include "sockaddr.h"

/*
 * Chains hold only clients with open connections, so their total length is
 * bounded by the global connection cap whatever addresses an attacker picks.
 */
static size_t client_bucket(const uint8_t key[16])
{
	uint64_t a, b, h;

	memcpy(&a, key, 8);
	memcpy(&b, key + 8, 8);
	h = (a ^ (b * 0x9e3779b97f4a7c15ULL)) * 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 31;
	return (size_t)(h % SL_TCP_CLIENT_BUCKETS);
}

bool sl_tcp_client_acquire(struct sl_server *srv, const struct sockaddr *sa, unsigned cap)
{
	uint8_t key[16];
	sl_tcp_client_t *e;
	size_t b;
	bool ok = true;

	/* Not an IP client: nothing to count (release ignores it as well). */
	if (!sl_sockaddr_key(sa, key))
		return true;
	b = client_bucket(key);
	pthread_mutex_lock(&srv->clients_lock);
	for (e = srv->clients[b]; e != NULL; e = e->next)
		if (memcmp(e->addr, key, 16) == 0)
			break;
	if (e != NULL) {
		/* cap 0: no per-client limit, but still counted so that a
		 * reload setting one later sees the connections already open. */
		if (cap != 0 && e->count >= cap)
			ok = false;
		else
			e->count++;
	} else if ((e = malloc(sizeof(*e))) != NULL) {
		memcpy(e->addr, key, 16);
		e->count = 1;
		e->next = srv->clients[b];
		srv->clients[b] = e;
	} else {
		ok = false;
	}
	pthread_mutex_unlock(&srv->clients_lock);
	return ok;
}

void sl_tcp_client_release(struct sl_server *srv, const struct sockaddr *sa)
{
	uint8_t key[16];
	sl_tcp_client_t **pe, *e;

	if (!sl_sockaddr_key(sa, key))
		return;
	pthread_mutex_lock(&srv->clients_lock);
	for (pe = &srv->clients[client_bucket(key)]; (e = *pe) != NULL; pe = &e->next) {
		if (memcmp(e->addr, key, 16) != 0)
			continue;
		if (--e->count == 0) {
			*pe = e->next;
			free(e);
		}
		break;
	}
	pthread_mutex_unlock(&srv->clients_lock);
}
