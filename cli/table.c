/* cli/table.c: the applet table, made from applets.def. */
#include "applet.h"

const struct applet applets[] = {
#define APPLET(name, c_name, flags, summary) \
	{ #name, summary, flags, &c_name##_info, c_name##_main },
#include "../applets/applets.def"
#undef APPLET
};

const unsigned applets_count = sizeof(applets) / sizeof(applets[0]);

#ifndef FVM_VERSION
#define FVM_VERSION "0.0.0"
#endif
const char fvm_version[] = FVM_VERSION;
