/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * nosymbol — a real shared object that loads fine but exports no
 * `sluice_plugin` descriptor: the loader must say it is not a plugin.
 */
#include <sluice/common.h>

SL_API int nosymbol_answer(void);

SL_API int nosymbol_answer(void)
{
	return 42;
}
