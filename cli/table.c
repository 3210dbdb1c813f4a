/* cli/table.c: the applet table, made from applets.def. */
#include <string.h>

#include "applet.h"

const struct applet applets[] = {
#define APPLET(name, c_name, flags, summary)                                   \
	{ #name, summary, flags, &c_name##_info, c_name##_main },
#include "../applets/applets.def"
#undef APPLET
};

const unsigned applets_count = sizeof(applets) / sizeof(applets[0]);

const struct applet *applet_find(const char *name)
{
	for (unsigned i = 0; i < applets_count; i++)
		if (strcmp(applets[i].name, name) == 0)
			return &applets[i];
	return NULL;
}

#ifndef FVM_VERSION
#define FVM_VERSION "0.0.0"
#endif
const char fvm_version[] = FVM_VERSION;
