# SPDX-License-Identifier: MIT OR Apache-2.0
#
# SL_PLUGIN(NAME, VARIABLE-PREFIX, PKG-CONFIG-MODULES, DEBIAN-PACKAGE)
# --------------------------------------------------------------------
# For a plugin that needs a library nothing else in Sluice needs: its
# dependency is checked for it alone, and configure never fails because of
# it unless the builder asks for the plugin. Adds --enable-plugin-NAME:
#   auto (default)  build NAME when PKG-CONFIG-MODULES are found; otherwise
#                   skip it with a notice naming DEBIAN-PACKAGE
#   yes             require it: configure fails when the modules are missing
#   no              never build it (and do not look for the modules)
# Sets VARIABLE-PREFIX_CFLAGS and VARIABLE-PREFIX_LIBS (PKG_CHECK_MODULES)
# and the automake conditional PLUGIN_NAME (upper case, '-' as '_'): wrap the
# plugin's lines in plugins/Makefile.inc in `if PLUGIN_NAME ... endif`.
# SL_PLUGINS_OPTIONAL collects "NAME=yes|no" for configure's summary.
AC_DEFUN([SL_PLUGIN], [
m4_pushdef([sl_enable], [enable_plugin_]m4_translit([$1], [-], [_]))dnl
m4_pushdef([sl_cond], [PLUGIN_]m4_translit(m4_toupper([$1]), [-], [_]))dnl
AC_REQUIRE([PKG_PROG_PKG_CONFIG])dnl
AC_ARG_ENABLE([plugin-$1],
	[AS_HELP_STRING([--enable-plugin-$1@<:@=auto|yes|no@:>@],
		[build the $1 plugin, which needs $3 (default: auto, when found)])],
	[], [sl_enable=auto])
AS_CASE([$sl_enable],
	[no], [],
	[yes|auto], [PKG_CHECK_MODULES([$2], [$3], [sl_enable=yes], [
		AS_IF([test "x$sl_enable" = xyes],
			[AC_MSG_ERROR([the $1 plugin needs $3 (Debian: apt-get install $4)])])
		AC_MSG_NOTICE([not building the $1 plugin: $3 not found (Debian: apt-get install $4)])
		sl_enable=no])],
	[AC_MSG_ERROR([--enable-plugin-$1 takes auto, yes or no, not "$sl_enable"])])
AM_CONDITIONAL(sl_cond, [test "x$sl_enable" = xyes])
SL_PLUGINS_OPTIONAL="$SL_PLUGINS_OPTIONAL $1=$sl_enable"
m4_popdef([sl_cond])dnl
m4_popdef([sl_enable])dnl
])
