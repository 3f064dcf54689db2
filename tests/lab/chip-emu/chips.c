/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The chip models: what the host sees of each (IDs, speed, interfaces, endpoints in the real chip's
 * order and sizes) and the identity its driver reads back. The gadget's device descriptor fields are
 * written by the shell helper (tests/lab/guest/chips.sh), which asks this table for them (--describe). */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "chip-emu.h"

enum {
        FS_BULK = 64,
        HS_BULK = 512,
        CH34X_BULK = 32,
        CH34X_INT = 8,
        PL2303_INT = 10,
        INT_INTERVAL_MS = 1,
        VENDOR_CLASS = 0xff,
};

static const ChipModel models[] = {
        {
                .name = "FT232R",
                .family = FAMILY_FTDI,
                .vid = 0x0403, .pid = 0x6001, .bcd_device = 0x0600,
                .manufacturer = "FTDI", .product = "FT232R USB UART",
                .n_ports = 1,
                .intf_class = VENDOR_CLASS, .intf_subclass = VENDOR_CLASS, .intf_protocol = VENDOR_CLASS,
                .eps = { { EP_BULK_IN, FS_BULK, 0, 0 }, { EP_BULK_OUT, FS_BULK, 0, 0 } },
        },
        {
                .name = "CP2102",
                .family = FAMILY_CP210X,
                .vid = 0x10c4, .pid = 0xea60, .bcd_device = 0x0100,
                .manufacturer = "Silicon Labs", .product = "CP2102 USB to UART Bridge Controller",
                .n_ports = 1,
                .intf_class = VENDOR_CLASS,
                .eps = { { EP_BULK_IN, FS_BULK, 0, 0 }, { EP_BULK_OUT, FS_BULK, 0, 0 } },
                .chip_id = 0x02, /* CP210X_PARTNUM_CP2102 */
        },
        {
                .name = "FT2232H",
                .family = FAMILY_FTDI,
                .vid = 0x0403, .pid = 0x6010, .bcd_device = 0x0700,
                .high_speed = true,
                .manufacturer = "FTDI", .product = "Dual RS232-HS",
                .n_ports = 2,
                .intf_class = VENDOR_CLASS, .intf_subclass = VENDOR_CLASS, .intf_protocol = VENDOR_CLASS,
                .eps = { { EP_BULK_IN, FS_BULK, HS_BULK, 0 }, { EP_BULK_OUT, FS_BULK, HS_BULK, 0 } },
        },
        {
                .name = "CP2105",
                .family = FAMILY_CP210X,
                .vid = 0x10c4, .pid = 0xea70, .bcd_device = 0x0100,
                .manufacturer = "Silicon Labs", .product = "CP2105 Dual USB to UART Bridge Controller",
                .n_ports = 2,
                .intf_class = VENDOR_CLASS,
                .eps = { { EP_BULK_IN, FS_BULK, 0, 0 }, { EP_BULK_OUT, FS_BULK, 0, 0 } },
                .chip_id = 0x05, /* CP210X_PARTNUM_CP2105 */
        },
        {
                .name = "CH340",
                .family = FAMILY_CH341,
                .vid = 0x1a86, .pid = 0x7523, .bcd_device = 0x0254,
                .device_class = VENDOR_CLASS,
                .manufacturer = "wch.cn", .product = "USB2.0-Serial",
                .n_ports = 1,
                .intf_class = VENDOR_CLASS, .intf_subclass = 0x01, .intf_protocol = 0x02,
                .eps = { { EP_BULK_IN, CH34X_BULK, 0, 0 }, { EP_BULK_OUT, CH34X_BULK, 0, 0 },
                         { EP_INT_IN, CH34X_INT, 0, INT_INTERVAL_MS } },
                .chip_id = 0x31, /* READ_VERSION: >= 0x30 sets the LCR register, > 0x27 no buffering */
        },
        {
                /* bcdDevice 3.00: an HX at bcdUSB 1.10; at the 2.00 every gadget reports, pl2303 calls
                 * it a TA once the HX status read (0x8080) succeeds. Same requests as the HX except
                 * the divisor encoding of non-standard rates. */
                .name = "PL2303TA",
                .family = FAMILY_PL2303,
                .vid = 0x067b, .pid = 0x2303, .bcd_device = 0x0300,
                .manufacturer = "Prolific Technology Inc.", .product = "USB-Serial Controller",
                .n_ports = 1,
                .intf_class = VENDOR_CLASS,
                .eps = { { EP_INT_IN, PL2303_INT, 0, INT_INTERVAL_MS }, { EP_BULK_OUT, FS_BULK, 0, 0 },
                         { EP_BULK_IN, FS_BULK, 0, 0 } },
        },
};

const ChipModel *chip_model_find(const char *name)
{
        for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
                if (strcasecmp(models[i].name, name) == 0)
                        return &models[i];
        return NULL;
}

void chip_models_list(void)
{
        for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
                printf("%s\n", models[i].name);
}

/* Shell assignments for the gadget's configfs (chips.sh evals them). */
void chip_model_describe(const ChipModel *m)
{
        printf("CHIP_VID=0x%04x\nCHIP_PID=0x%04x\nCHIP_BCD_DEVICE=0x%04x\nCHIP_CLASS=0x%02x\n", m->vid, m->pid,
               m->bcd_device, m->device_class);
        printf("CHIP_SPEED=%s\nCHIP_PORTS=%u\n", m->high_speed ? "high-speed" : "full-speed", m->n_ports);
        printf("CHIP_MANUFACTURER='%s'\nCHIP_PRODUCT='%s'\n", m->manufacturer, m->product);
        printf("CHIP_FAMILY=%s\n", (const char *[]){ "ftdi", "cp210x", "ch341", "pl2303" }[m->family]);
}
