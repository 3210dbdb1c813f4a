/* tests/unit/test_applets.c: every applet's table (cli/table.c, applets/): names, options, counts. */
#include <stdlib.h>

#include "../../cli/applet.h"
#include "unit.h"

/* what is wrong with one option, or NULL */
static const char *opt_problem(const struct opt *o)
{
	if (!o->long_name || !*o->long_name || !o->help || !*o->help)
		return "a long name and help";
	if (o->short_name == 'h' || !strcmp(o->long_name, "help"))
		return "-h is implied for everyone";
	switch (o->type) {
	case OPT_T_BOOL:
	case OPT_T_SET_INT:
		return o->value && !o->arg ? NULL : "a flag binds a variable";
	case OPT_T_STRING:
	case OPT_T_INT:
	case OPT_T_LONG:
	case OPT_T_SIZE:
		return o->value && o->arg ? NULL : "an argument and a variable";
	case OPT_T_CHOICE:
		return o->value && o->arg && o->words ? NULL :
							"words to choose from";
	case OPT_T_CALLBACK:
		return o->cb ? NULL : "a callback";
	default:
		return "a known type";
	}
}

static const char *table_problem(const struct applet *ap)
{
	const struct opt *o = ap->info->opts;
	const struct applet_info *in = ap->info;
	const char *why;

	for (size_t a = 0; o && o[a].type != OPT_T_END; a++) {
		if ((why = opt_problem(&o[a])))
			return why;
		for (size_t b = a + 1; o[b].type != OPT_T_END; b++)
			if ((o[a].short_name &&
			     o[a].short_name == o[b].short_name) ||
			    !strcmp(o[a].long_name, o[b].long_name))
				return "unique names";
	}
	if (in->max_args != OPT_ARGS_ANY && in->max_args < in->min_args)
		return "min_args <= max_args";
	if (in->min_args > 0 && !*in->usage)
		return "positionals in the usage";
	if (in->max_args == 0 && in->args[0])
		return "no completion for positionals it refuses";
	return NULL;
}

int main(void)
{
	char name[128];

	for (unsigned i = 0; i < applets_count; i++) {
		const struct applet *ap = &applets[i];
		const char *why = table_problem(ap);

		snprintf(name, sizeof(name), "%s: option table sane%s%s",
			 ap->name, why ? ": wants " : "", why ? why : "");
		CHECK(name, !why);
		snprintf(name, sizeof(name), "%s: summary and usage", ap->name);
		CHECK(name, ap->summary && *ap->summary && ap->info->usage);
		snprintf(name, sizeof(name), "%s: findable by name", ap->name);
		CHECK(name, applet_find(ap->name) == ap);
	}
	CHECK("no prefix matching", applet_find("conf") == NULL);
	UNIT_DONE();
}
