/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Error names of org.cgpolicy1, shared by the daemon (which sends them) and
 * cgpolicyctl (which maps them to exit codes). */

#define BUS_ERROR_NO_SUCH_UNIT "org.cgpolicy1.Error.NoSuchUnit"
#define BUS_ERROR_INVALID_PROPERTY "org.cgpolicy1.Error.InvalidProperty"
#define BUS_ERROR_INVALID_VALUE "org.cgpolicy1.Error.InvalidValue"
#define BUS_ERROR_NOT_RUNTIME_SETTABLE "org.cgpolicy1.Error.NotRuntimeSettable"
#define BUS_ERROR_POLICY_INVALID "org.cgpolicy1.Error.PolicyInvalid"
#define BUS_ERROR_ACCESS_DENIED "org.cgpolicy1.Error.AccessDenied"
/* SetUnitProperties: the override is saved (and retried), but the cgroup does
 * not hold it now; the message names each property and why. */
#define BUS_ERROR_NOT_APPLIED "org.cgpolicy1.Error.NotApplied"

#define CGPOLICY_BUS_NAME "org.cgpolicy1"
#define CGPOLICY_MANAGER_PATH "/org/cgpolicy1"
#define CGPOLICY_UNIT_PATH_PREFIX "/org/cgpolicy1/unit"
#define CGPOLICY_MANAGER_INTERFACE "org.cgpolicy1.Manager"
#define CGPOLICY_UNIT_INTERFACE "org.cgpolicy1.Unit"

/* Limits on one call: more properties, or longer names, are refused before
 * anything is looked at further. */
#define BUS_PROPERTIES_MAX 256U
#define BUS_NAME_MAX 256U
#define BUS_DEVICES_MAX 256U
/* devices in all properties of one call: parsing each costs a scan of the
 * others, and a call of 256 properties of 256 devices took seconds */
#define BUS_CALL_DEVICES_MAX 1024U
