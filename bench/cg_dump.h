/* SPDX-License-Identifier: MIT */
/* Reading callgrind's dumps: shared by shmbench --callgrind and msgbench --cg. */
#ifndef SHMBENCH_CG_DUMP_H
#define SHMBENCH_CG_DUMP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Instruction total of dump number n of file prefix f, or -1. */
static inline long long cg_dump_ir(const char *f, int n)
{
	char path[4200], line[512];
	long long ir = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "%s.%d", f, n);
	fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "summary:", 8) == 0 || strncmp(line, "totals:", 7) == 0) {
			ir = atoll(line + (line[0] == 's' ? 8 : 7));
			break;
		}
	}
	fclose(fp);
	return ir;
}

#endif /* SHMBENCH_CG_DUMP_H */
