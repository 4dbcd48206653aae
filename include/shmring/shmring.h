/* SPDX-License-Identifier: MIT */
/* shmring: everything a user needs, in one include. */
#ifndef SHMRING_SHMRING_H
#define SHMRING_SHMRING_H

#include "ring.h"
#include "ring_bytes.h"
#include "ring_msg.h"
#include "ring_span.h"

#define SHMRING_VERSION_MAJOR 0
#define SHMRING_VERSION_MINOR 1
#define SHMRING_VERSION_PATCH 0

#endif /* SHMRING_SHMRING_H */
