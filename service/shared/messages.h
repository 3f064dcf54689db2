/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Every structured journal event drvhost emits has its MESSAGE_ID here, and an entry with the same
 * id in catalog/drvhost.catalog so that `journalctl -x` explains it. Keep the two in step. */

#define DRVHOST_MESSAGE_DEVICE_ADDED "c8be6ab6f0d549c7b2dd1c4f2736e863"
#define DRVHOST_MESSAGE_DEVICE_REMOVED "ac35332c36dc4a948d87c8fd466f7e0f"
#define DRVHOST_MESSAGE_BOUND "75ef048834d84131becfeb1216c6fcef"
#define DRVHOST_MESSAGE_CRASHED "0b6d4bf5aae9458ca0986b55238400ea"
#define DRVHOST_MESSAGE_RESTARTED "35f341564aae49feba4051d26eeb61cc"
#define DRVHOST_MESSAGE_GAVE_UP "c06d6f4d83e445a5881e57a51cf74152"
#define DRVHOST_MESSAGE_FELL_BACK "f7f671ab58cf48e281e1776cc2bbd019"
#define DRVHOST_MESSAGE_DELEGATED "808e724d9aec43389790873234cc9bbe"
#define DRVHOST_MESSAGE_RELEASED "e0a096a6d203479eb8c10ecfab89d13c"
#define DRVHOST_MESSAGE_MANIFEST_INVALID "6440ae9e31e04586b51c1ebd1ff186c3"
#define DRVHOST_MESSAGE_UNPLUGGED "24e5d55fe251432a83d777928394a8df"
#define DRVHOST_MESSAGE_DEVICE_CHANGED "bf5c7b276c3c4bb98482d61c926e19e9"
