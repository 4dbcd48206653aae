/* SPDX-License-Identifier: MIT */
/*
 * Output of the shmring command: the `ls` table and its JSON, the `stat`
 * report. Every string that comes from an object (its name) is escaped: a
 * file name in /dev/shm may hold any byte but '/' and NUL.
 */
#include "shmring_tool.h"

#include <inttypes.h>
#include <string.h>

const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case RING_KIND_SPSC: return "spsc";
	case RING_KIND_MPMC: return "mpmc";
	case RING_KIND_MSG: return "msg";
	case RING_KIND_BYTES: return "bytes";
	case RING_KIND_BCAST: return "bcast";
	default: return NULL;
	}
}

const char *rule_name(uint32_t rule)
{
	switch (rule) {
	case RING_RULE_N1: return "n1";
	case RING_RULE_COUNT: return "count";
	case RING_RULE_SEQ: return "seq";
	default: return NULL;
	}
}

void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/* Bytes >= 0x80 become \u00XX: the output stays valid JSON (UTF-8) whatever
 * the name holds; names of ASCII characters come out unchanged. */
void put_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void kind_text(char *buf, size_t len, uint32_t kind)
{
	const char *k = kind_name(kind);

	if (k != NULL)
		snprintf(buf, len, "%s", k);
	else
		snprintf(buf, len, "kind-%" PRIu32, kind);
}

static void rule_text(char *buf, size_t len, uint32_t rule)
{
	const char *k = rule_name(rule);

	if (k != NULL)
		snprintf(buf, len, "%s", k);
	else
		snprintf(buf, len, "rule-%" PRIu32, rule);
}

/* What is wrong with a ring, or "" when nothing is. */
static const char *note_of(const struct obj *o)
{
	switch (o->rc) {
	case 0: return "";
	case -EAGAIN: return "being created";
	case -EPROTONOSUPPORT: return "other layout version";
	case -EPROTO: return kind_name(o->info.kind) ? "header inconsistent" : "unknown kind";
	case -EMSGSIZE: return "size differs from header (truncated?)";
	case -EBADMSG: return "ready word corrupt";
	default: return ring_strerror(o->rc);
	}
}

void obj_print_header(FILE *f)
{
	fprintf(f, "%-24s %-6s %-5s %10s %8s %10s %10s %-6s %4s %4s %4s %-5s %s\n", "NAME", "KIND",
		"RULE", "SLOTS", "ELEM", "COUNT", "FREE", "CLOSED", "PROD", "CONS", "DEAD", "STALE",
		"NOTE");
}

void obj_print_row(FILE *f, const struct obj *o)
{
	const struct ring_inspect_info *in = &o->info;
	char kind[24], rule[24], count[24] = "-", free_[24] = "-", closed[8] = "-";
	char prod[12] = "-", cons[12] = "-", dead[12] = "-";

	kind_text(kind, sizeof(kind), in->kind);
	rule_text(rule, sizeof(rule), in->rule);
	if (in->have & RING_INSPECT_INDICES) {
		if (in->count >= 0) {
			snprintf(count, sizeof(count), "%" PRId64, in->count);
			snprintf(free_, sizeof(free_), "%" PRIu64, in->capacity - (uint64_t)in->count);
		} else {
			snprintf(count, sizeof(count), "corrupt");
		}
		snprintf(closed, sizeof(closed), "%s", in->closed ? "yes" : "no");
	}
	if (in->have & RING_INSPECT_PARTS) {
		snprintf(prod, sizeof(prod), "%" PRIu32, in->live_producers);
		snprintf(cons, sizeof(cons), "%" PRIu32, in->live_consumers);
		snprintf(dead, sizeof(dead), "%" PRIu32, in->parts_dead);
	}
	put_escaped(f, o->name);
	fprintf(f, "%*s", (int)(strlen(o->name) < 24 ? 24 - strlen(o->name) : 0), "");
	fprintf(f, " %-6s %-5s %10" PRIu64 " %8" PRIu64 " %10s %10s %-6s %4s %4s %4s %-5s %s\n", kind,
		rule, in->slots, in->elem_size, count, free_, closed, prod, cons, dead,
		obj_live(o) < 0 ? "?" : obj_stale(o) ? "yes" : "no", note_of(o));
}

static void json_u64(FILE *f, const char *key, uint64_t v, const char *sep)
{
	fprintf(f, "\"%s\": %" PRIu64 "%s", key, v, sep);
}

static void json_side(FILE *f, const struct ring_side_stats *s)
{
	unsigned i;

	fprintf(f, "{");
	json_u64(f, "ops", s->ops, ", ");
	json_u64(f, "again", s->again, ", ");
	json_u64(f, "waits", s->waits, ", ");
	json_u64(f, "wakes", s->wakes, ", ");
	json_u64(f, "repairs", s->repairs, ", ");
	json_u64(f, "skips", s->skips, ", ");
	json_u64(f, "contended", s->contended, ", ");
	json_u64(f, "corrupt", s->corrupt, ", ");
	json_u64(f, "closed", s->closed, ", ");
	json_u64(f, "timeouts", s->timeouts, ", ");
	fprintf(f, "\"kind\": [");
	for (i = 0; i < sizeof(s->kind) / sizeof(s->kind[0]); i++)
		fprintf(f, "%s%" PRIu64, i ? ", " : "", s->kind[i]);
	fprintf(f, "]}");
}

void obj_print_json(FILE *f, const struct obj *o, int full)
{
	const struct ring_inspect_info *in = &o->info;
	const char *k = kind_name(in->kind), *r = rule_name(in->rule);
	size_t i;

	fprintf(f, "{\"name\": ");
	put_json_str(f, o->name);
	fprintf(f, ", \"status\": ");
	put_json_str(f, o->rc == 0 ? "ok" : ring_strerror(o->rc));
	fprintf(f, ", \"error\": %d", o->rc);
	if (in->have & RING_INSPECT_OBJECT)
		fprintf(f, ", \"file_size\": %" PRIu64 ", \"uid\": %" PRIu32 ", \"mode\": \"%04" PRIo32 "\"",
			in->file_size, in->uid, in->mode);
	if (in->have & RING_INSPECT_HDR) {
		fprintf(f, ", \"kind\": ");
		if (k)
			put_json_str(f, k);
		else
			fprintf(f, "null");
		fprintf(f, ", \"kind_id\": %" PRIu32 ", \"rule\": ", in->kind);
		if (r)
			put_json_str(f, r);
		else
			fprintf(f, "null");
		fprintf(f, ", \"rule_id\": %" PRIu32 ", \"flags\": %" PRIu32 ", ", in->rule, in->flags);
		json_u64(f, "slots", in->slots, ", ");
		/* The message kind keeps its largest message in elem_size. */
		json_u64(f, in->kind == RING_KIND_MSG ? "max_message" : "elem_size", in->elem_size, ", ");
		json_u64(f, "version", in->version, "");
		if (full) {
			fprintf(f, ", ");
			json_u64(f, "stride", in->stride, ", ");
			json_u64(f, "total_size", in->total_size, ", ");
			json_u64(f, "part_offset", in->part_offset, ", ");
			json_u64(f, "max_parts", in->max_parts, ", ");
			fprintf(f, "\"create_id\": \"%016" PRIx64 "\"", in->create_id);
		}
	}
	if (in->have & RING_INSPECT_INDICES) {
		fprintf(f, ", ");
		json_u64(f, "capacity", in->capacity, ", ");
		if (in->count >= 0)
			fprintf(f, "\"count\": %" PRId64 ", \"free\": %" PRIu64, in->count,
				in->capacity - (uint64_t)in->count);
		else
			fprintf(f, "\"count\": null, \"free\": null, \"corrupt\": true");
		fprintf(f, ", \"closed\": %s, \"count_unit\": \"%s\"", in->closed ? "true" : "false",
			in->kind == RING_KIND_MSG || in->kind == RING_KIND_BYTES ? "bytes" : "elements");
		if (full)
			fprintf(f, ", \"tail\": %" PRIu64 ", \"head\": %" PRIu64, in->tail, in->head);
	}
	if (in->have & RING_INSPECT_PARTS) {
		fprintf(f, ", \"producers\": %" PRIu32 ", \"consumers\": %" PRIu32
			   ", \"participants_alive\": %" PRIu32 ", \"participants_dead\": %" PRIu32
			   ", \"participants_used\": %" PRIu32,
			in->live_producers, in->live_consumers, in->parts_alive, in->parts_dead,
			in->parts_used);
		fprintf(f, ", \"stale\": %s", obj_stale(o) ? "true" : "false");
	} else {
		fprintf(f, ", \"producers\": null, \"consumers\": null, \"stale\": null");
	}
	if (full && (in->have & RING_INSPECT_PARTS)) {
		fprintf(f, ", \"participants\": [");
		for (i = 0; i < o->nparts && i < OBJ_PARTS_MAX; i++) {
			const struct ring_part_info *p = &o->parts[i];

			fprintf(f, "%s{\"index\": %" PRIu32 ", \"roles\": ", i ? ", " : "", p->index);
			put_json_str(f, roles_name(p->roles));
			fprintf(f, ", \"producer\": %s, \"consumer\": %s, \"pid\": %" PRId64
				   ", \"start_time\": %" PRIu64 ", \"uid\": %" PRIu64
				   ", \"since\": %" PRIu64 ", \"state\": ",
				p->roles & RING_ROLE_PRODUCER ? "true" : "false",
				p->roles & RING_ROLE_CONSUMER ? "true" : "false", p->pid, p->start_time,
				p->uid, p->since);
			put_json_str(f, alive_name(p->alive));
			fprintf(f, ", \"alive\": %s}", p->alive != RING_PART_IS_DEAD ? "true" : "false");
		}
		fprintf(f, "], \"participants_listed\": %zu", i);
	}
	if (full && (in->have & RING_INSPECT_STATS)) {
		fprintf(f, ", \"moving\": %s, \"producer_stats\": ",
			in->stats.flags & RING_STATS_F_MOVING ? "true" : "false");
		json_side(f, &in->stats.prod);
		fprintf(f, ", \"consumer_stats\": ");
		json_side(f, &in->stats.cons);
	}
	fprintf(f, "}");
}

static void stat_row(FILE *f, const char *what, uint64_t p, uint64_t c)
{
	fprintf(f, "  %-34s %20" PRIu64 " %20" PRIu64 "\n", what, p, c);
}

void obj_print_stat(FILE *f, const struct obj *o)
{
	const struct ring_inspect_info *in = &o->info;
	const struct ring_stats *s = &in->stats;
	char kind[24], rule[24];
	size_t i;
	unsigned k;

	put_escaped(f, o->name);
	fprintf(f, "\n  status      %s\n", o->rc == 0 ? "ok" : ring_strerror(o->rc));
	if (in->have & RING_INSPECT_OBJECT)
		fprintf(f, "  object      %" PRIu64 " bytes, uid %" PRIu32 ", mode %04" PRIo32 "\n",
			in->file_size, in->uid, in->mode);
	if (!(in->have & RING_INSPECT_HDR))
		return;
	kind_text(kind, sizeof(kind), in->kind);
	rule_text(rule, sizeof(rule), in->rule);
	fprintf(f, "  header      version %" PRIu32 ", kind %s (%" PRIu32 "), rule %s (%" PRIu32
		   "), flags 0x%" PRIx32 "%s\n",
		in->version, kind, in->kind, rule, in->rule, in->flags,
		in->flags & RING_F_BLOCKING ? " (blocking)" : "");
	if (in->kind == RING_KIND_BCAST && (in->flags & RING_F_BCAST_MSG))
		fprintf(f, "  broadcast   messages%s\n",
			in->flags & RING_F_BCAST_LOSSY ? ", lossy" : ", back-pressure");
	fprintf(f, "  geometry    %" PRIu64 " slots, %s %" PRIu64 " bytes, stride %" PRIu64
		   ", total %" PRIu64 " bytes\n",
		in->slots,
		in->kind == RING_KIND_MSG || (in->flags & RING_F_BCAST_MSG) ? "largest message"
									 : "element",
		in->elem_size,
		in->stride, in->total_size);
	fprintf(f, "  table       %" PRIu32 " participant entries at offset %" PRIu64 "\n",
		in->max_parts, in->part_offset);
	fprintf(f, "  create_id   %016" PRIx64 "\n", in->create_id);
	if (in->have & RING_INSPECT_INDICES) {
		fprintf(f, "  indices     tail %" PRIu64 "%s, head %" PRIu64 ", capacity %" PRIu64 "\n",
			in->tail & ~RING_CLOSED_BIT, in->closed ? " (closed)" : "", in->head,
			in->capacity);
		const char *unit = in->kind == RING_KIND_MSG || in->kind == RING_KIND_BYTES
					   ? " bytes"
					   : "";

		if (in->count >= 0)
			fprintf(f, "  count       %" PRId64 "%s stored, %" PRIu64 "%s free\n", in->count,
				unit, in->capacity - (uint64_t)in->count, unit);
		else
			fprintf(f, "  count       inconsistent indices (corrupt or hostile peer)\n");
	}
	if (in->have & RING_INSPECT_PARTS) {
		fprintf(f, "  participants %" PRIu32 " in use: %" PRIu32 " live producer%s, %" PRIu32
			   " live consumer%s, %" PRIu32 " verified dead; stale: %s\n",
			in->parts_used, in->live_producers, in->live_producers == 1 ? "" : "s",
			in->live_consumers, in->live_consumers == 1 ? "" : "s", in->parts_dead,
			obj_stale(o) ? "yes (no live participant)" : "no");
		if (o->nparts > 0)
			fprintf(f, "    %5s  %-18s %8s  %-7s %s\n", "ENTRY", "ROLE", "PID", "STATE",
				"START-TIME");
		for (i = 0; i < o->nparts && i < OBJ_PARTS_MAX; i++) {
			const struct ring_part_info *p = &o->parts[i];

			fprintf(f, "    %5" PRIu32 "  %-18s %8" PRId64 "  %-7s %" PRIu64 "\n", p->index,
				roles_name(p->roles), p->pid, alive_name(p->alive), p->start_time);
		}
		if (o->nparts > i)
			fprintf(f, "    ... %zu more\n", o->nparts - i);
	} else {
		fprintf(f, "  participants not read (%s)\n",
			o->rc ? ring_strerror(o->rc) : "no table");
	}
	if (!(in->have & RING_INSPECT_STATS))
		return;
	fprintf(f, "  %-34s %20s %20s\n",
		s->flags & RING_STATS_F_MOVING ? "counters (moving)" : "counters", "producers",
		"consumers");
	stat_row(f,
		 in->kind == RING_KIND_MSG || in->kind == RING_KIND_BYTES ? "bytes (pushed / popped)"
									 : "elements (pushed / popped)",
		 s->prod.ops, s->cons.ops);
	stat_row(f, "full / empty (-EAGAIN)", s->prod.again, s->cons.again);
	stat_row(f, "waits (sleeps)", s->prod.waits, s->cons.waits);
	stat_row(f, "wakes issued", s->prod.wakes, s->cons.wakes);
	stat_row(f, "repairs", s->prod.repairs, s->cons.repairs);
	stat_row(f, "skipped slots", s->prod.skips, s->cons.skips);
	stat_row(f, "contended (gave up)", s->prod.contended, s->cons.contended);
	stat_row(f, "corrupt indices met", s->prod.corrupt, s->cons.corrupt);
	stat_row(f, "closed (-EPIPE)", s->prod.closed, s->cons.closed);
	stat_row(f, "timeouts", s->prod.timeouts, s->cons.timeouts);
	for (k = 0; k < sizeof(s->prod.kind) / sizeof(s->prod.kind[0]); k++)
		if (s->prod.kind[k] || s->cons.kind[k]) {
			char what[40];

			if (in->kind == RING_KIND_BCAST && RING_STAT_KIND_FIRST + k == RING_STAT_BCAST_MISSED)
				snprintf(what, sizeof(what), "missed (lapped, lossy)");
			else if (in->kind == RING_KIND_BCAST && RING_STAT_KIND_FIRST + k == RING_STAT_BCAST_POPS)
				snprintf(what, sizeof(what), "delivered, all consumers");
			else
				snprintf(what, sizeof(what), "kind-specific word %u",
					 RING_STAT_KIND_FIRST + k);
			stat_row(f, what, s->prod.kind[k], s->cons.kind[k]);
		}
}
