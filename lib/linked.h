/* lib/linked.h: the versions of the libraries fvm runs with (fvm --version --verbose). */
#ifndef FVM_LINKED_H
#define FVM_LINKED_H

#include "util.h"

/*
 * One "NAME VERSION" string a library, for each library fvm links:
 * libvirt, libguestfs, liblzma, libarchive, libcurl, libxml2, zlib,
 * libzstd, openssl, libdevmapper. The versions are the ones the
 * libraries report at run time, which may be newer than the headers
 * fvm was built with; a library that cannot say has "unknown". Nothing
 * connects to a daemon or launches an appliance.
 */
void linked_versions(struct strv *out);

#endif
