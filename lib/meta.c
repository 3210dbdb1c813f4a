/* lib/meta.c: fast-vm's metadata format in a domain's title and description. */
#include "meta.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

/* fast-vm writes "---" where a VM was made from an image, not a profile */
#define META_NO_PROFILE "---"

/* the next comma-separated field of *p (malloc'd); NULL when no comma */
static char *next_field(const char **p)
{
	const char *comma = strchr(*p, ',');
	char *f;

	if (!comma)
		return NULL;
	f = xstrndup(*p, (size_t)(comma - *p));
	*p = comma + 1;
	return f;
}

static bool parse_epoch(const char *s, time_t *out)
{
	long v;

	if (!*s || !isdigit((unsigned char)*s))
		return false;
	/* a 32-bit long caps this at 2038, which fast-vm's own date +%s
	 * output would also have to pass through */
	if (!parse_int(s, 0, LONG_MAX, &v))
		return false;
	*out = (time_t)v;
	return true;
}

int meta_parse(const char *desc, struct vm_meta *m)
{
	const char *p = desc;
	char *version = NULL, *epoch = NULL;

	memset(m, 0, sizeof(*m));
	if (!desc)
		return err_set(FVM_EXIT_FAIL, "no description");
	version = next_field(&p);
	if (!version || strcmp(version, "1") != 0)
		goto bad;
	m->owner = next_field(&p);
	epoch = next_field(&p);
	m->profile = next_field(&p);
	if (!m->owner || !epoch || !m->profile)
		goto bad;
	if (!parse_epoch(epoch, &m->activity) || !*m->profile)
		goto bad;
	/* everything after the fourth comma is the note, commas and all */
	m->note = xstrdup(p);
	if (strcmp(m->profile, META_NO_PROFILE) == 0) {
		free(m->profile);
		m->profile = NULL;
	}
	free(version);
	free(epoch);
	return 0;
bad:
	free(version);
	free(epoch);
	meta_release(m);
	return err_set(FVM_EXIT_FAIL, "description is not in fast-vm's format "
				      "(1,owner,epoch,profile,note)");
}

char *meta_format_description(const struct vm_meta *m)
{
	const char *profile =
		m->profile && *m->profile ? m->profile : META_NO_PROFILE;

	return xasprintf("1,%s,%lld,%s,%s", m->owner ? m->owner : "",
			 (long long)m->activity, profile,
			 m->note ? m->note : "");
}

char *meta_format_title(int n, const struct vm_meta *m)
{
	const char *note = m->note ? m->note : "";
	/* fast-vm's create writes "042 alice", its edit_note
	 * "042 alice NOTE" */
	char *t = xasprintf("%03d %s%s%s", n, m->owner ? m->owner : "",
			    *note ? " " : "", note);

	/* libvirt refuses a title with a line break; the description
	 * keeps the note as it is */
	for (char *p = t; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return t;
}

void meta_release(struct vm_meta *m)
{
	free(m->owner);
	free(m->profile);
	free(m->note);
	memset(m, 0, sizeof(*m));
}
