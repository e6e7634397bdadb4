/*
 * modbus: a Modbus device (a solar charge controller, a battery monitor)
 * as a source of the bank schema, through libmodbus.
 *
 * Host keys: `modbus tcp://HOST[:PORT]` or `modbus rtu:DEVICE:BAUD[:8N1]`,
 * `modbus_unit` (the slave id, default 1), `modbus_map` (a built-in map,
 * "epever") and/or `modbus_register NAME ADDR TYPE SCALE [UNIT]
 * [input|holding]` lines (plugins/modbus_map.h), `modbus_name` (the bank
 * id, default HOST_UNIT), `modbus_timeout` (the hard deadline),
 * `bank_nominal` and `bank_chemistry` (the default thresholds,
 * plugins/bank.h).  The target is HOST/modbus; a poll yields one service,
 * bank_ID.
 *
 * libmodbus blocks, so a read runs on libuv's thread pool with a job that
 * owns copies of all it reads (the device, the plan, the map) and builds
 * the batch itself.  A deadline timer on the loop ends a late poll as a
 * timeout and drops the late result; until the worker returns the device
 * counts as busy and another poll is refused, so a device never has two
 * connections at once.  libmodbus's own response and byte timeouts are
 * set below the deadline, so a silent device normally ends the read
 * first.  Loop thread only (except the job's work function).
 */
#ifndef DROVER_MODBUS_H
#define DROVER_MODBUS_H

#include "plugins/source.h"

/* Default deadline in seconds when modbus_timeout is not set (and the
 * interval is longer). */
#define MODBUS_DEFAULT_TIMEOUT 10
/* Default TCP port. */
#define MODBUS_TCP_PORT 502

/* The modbus source (plugins/sources.c): target HOST/modbus. */
extern const struct source source_modbus;

/* The deadline of h's reads, seconds. */
unsigned modbus_timeout(const struct source_host *h);

#endif
