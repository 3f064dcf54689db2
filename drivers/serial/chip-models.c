/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "chip-models.h"
#include "macro.h"

enum {
        FTDI_RATE_MAX_FULL_SPEED = 3000000,
        FTDI_RATE_MAX_HIGH_SPEED = 12000000,
        FTDI_RATE_MAX_SIO = 115200,
        FTDI_RELEASE_FIRST_NOT_SIO = 0x0200,
        CP210X_RATE_MIN = 300,
        CP210X_RATE_MIN_SCI = 2400,
        CP210X_RATE_MAX_DEFAULT = 2000000,
        CP210X_PART_UNKNOWN = 0xff,
        CP210X_CLOCK = 48000000,
        CP210X_PRESCALE_BELOW = 365, /* at and below this rate the clock is divided by 4 first */
        CP210X_PRESCALE = 4,
        CP210X_TABLE_BELOW = 1000000, /* AN205's table covers the rates below 1 MBd */
        PL2303_RATE_MAX_H = 1228800,
        PL2303_RATE_MAX_HX = 6000000,
        PL2303_RATE_MAX = 12000000,
        /* Flow control in register 0 (bits 4-7), or on the HXN in register 0x0a (bits 2-4). */
        PL2303_FLOW_REG = 0x00,
        PL2303_FLOW_MASK = 0xf0,
        PL2303_FLOW_RTSCTS_H = 0x40,
        PL2303_FLOW_RTSCTS = 0x60,
        PL2303_FLOW_XONXOFF = 0xc0,
        PL2303_HXN_FLOW_REG = 0x0a,
        PL2303_HXN_FLOW_MASK = 0x1c,
        PL2303_HXN_FLOW_NONE = 0x1c,
        PL2303_HXN_FLOW_RTSCTS = 0x18,
        PL2303_HXN_FLOW_XONXOFF = 0x0c,
        /* What pl2303_detect_type() reads of the device descriptor. */
        PL2303_CLASS_COMM = 0x02,     /* the legacy H, variant 0 */
        PL2303_MAX_PACKET0 = 0x40,    /* any other size: the legacy H, variant 1 */
        PL2303_USB_1_0_1 = 0x0101,    /* "USB 1.0.1": taken as 1.1 */
        PL2303_USB_1_1 = 0x0110,
        PL2303_USB_2_0 = 0x0200,
        PL2303_RELEASE_HXD = 0x0400,
        PL2303_RELEASE_TA = 0x0300,   /* or an HXN ("GT") if the test read fails */
        PL2303_RELEASE_TB = 0x0500,   /* or an HXN ("GE") */
};

/* By release (bcdDevice), as ftdi_sio's ftdi_determine_type() reads it. */
static const FtdiModel ftdi_sio_model = {"SIO", 0, false, FTDI_DIVISOR_SIO, FTDI_RATE_MAX_SIO};
static const FtdiModel ftdi_models[] = {
        {"FT232A", 0x0200, false, FTDI_DIVISOR_AM, FTDI_RATE_MAX_FULL_SPEED},
        {"FT232B", 0x0400, false, FTDI_DIVISOR_BM, FTDI_RATE_MAX_FULL_SPEED},
        {"FT2232C", 0x0500, true, FTDI_DIVISOR_BM, FTDI_RATE_MAX_FULL_SPEED},
        {"FT232R", 0x0600, false, FTDI_DIVISOR_BM, FTDI_RATE_MAX_FULL_SPEED},
        {"FT2232H", 0x0700, true, FTDI_DIVISOR_HIGH, FTDI_RATE_MAX_HIGH_SPEED},
        {"FT4232H", 0x0800, true, FTDI_DIVISOR_HIGH, FTDI_RATE_MAX_HIGH_SPEED},
        {"FT232H", 0x0900, true, FTDI_DIVISOR_HIGH, FTDI_RATE_MAX_HIGH_SPEED},
        {"FT-X", 0x1000, true, FTDI_DIVISOR_BM, FTDI_RATE_MAX_FULL_SPEED},
        {"FT2233HP", 0x2800, true, FTDI_DIVISOR_HIGH, FTDI_RATE_MAX_HIGH_SPEED},
        {"FT4233HP", 0x2900, true, FTDI_DIVISOR_HIGH, FTDI_RATE_MAX_HIGH_SPEED},
        {"FT2232HP", 0x3000, true, FTDI_DIVISOR_HIGH, FTDI_RATE_MAX_HIGH_SPEED},
        {"FT4232HP", 0x3100, true, FTDI_DIVISOR_HIGH, FTDI_RATE_MAX_HIGH_SPEED},
        {"FT233HP", 0x3200, true, FTDI_DIVISOR_HIGH, FTDI_RATE_MAX_HIGH_SPEED},
        {"FT232HP", 0x3300, true, FTDI_DIVISOR_HIGH, FTDI_RATE_MAX_HIGH_SPEED},
        {"FT4232HA", 0x3600, true, FTDI_DIVISOR_HIGH, FTDI_RATE_MAX_HIGH_SPEED},
};

const FtdiModel *ftdi_model_find(uint16_t release)
{
        if (release < FTDI_RELEASE_FIRST_NOT_SIO)
                return &ftdi_sio_model;
        for (size_t i = 0; i < ELEMENTSOF(ftdi_models); i++)
                if (ftdi_models[i].release == release)
                        return &ftdi_models[i];
        return NULL;
}

static const Cp210xModel cp210x_models[] = {
        {"CP2101", 0x01, -1, CP210X_RATE_MIN, 921600, false, true},
        {"CP2102", 0x02, -1, CP210X_RATE_MIN, 1000000, false, false},
        {"CP2103", 0x03, -1, CP210X_RATE_MIN, 1000000, false, false},
        {"CP2104", 0x04, -1, CP210X_RATE_MIN, 2000000, true, false},
        {"CP2105 ECI", 0x05, 0, CP210X_RATE_MIN, 2000000, true, false},
        {"CP2105 SCI", 0x05, 1, CP210X_RATE_MIN_SCI, 921600, false, false},
        {"CP2108", 0x08, -1, CP210X_RATE_MIN, 2000000, false, false},
        {"CP2102N", 0x20, -1, CP210X_RATE_MIN, 3000000, true, false},
        {"CP2102N", 0x21, -1, CP210X_RATE_MIN, 3000000, true, false},
        {"CP2102N", 0x22, -1, CP210X_RATE_MIN, 3000000, true, false},
        {"CP210x", CP210X_PART_UNKNOWN, -1, CP210X_RATE_MIN, CP210X_RATE_MAX_DEFAULT, false, false},
};

/* AN205 table 1: the rate a CP2101/2/3 runs at for a rate up to .high. */
static const struct {
        uint32_t rate, high;
} cp210x_an205[] = {
        {300, 300},       {600, 600},       {1200, 1200},     {1800, 1800},     {2400, 2400},
        {4000, 4000},     {4800, 4803},     {7200, 7207},     {9600, 9612},     {14400, 14428},
        {16000, 16062},   {19200, 19250},   {28800, 28912},   {38400, 38601},   {51200, 51558},
        {56000, 56280},   {57600, 58053},   {64000, 64111},   {76800, 77608},   {115200, 117028},
        {128000, 129347}, {153600, 156868}, {230400, 237832}, {250000, 254234}, {256000, 273066},
        {460800, 491520}, {500000, 567138}, {576000, 670254}, {921600, UINT32_MAX},
};

const Cp210xModel *cp210x_model_find(uint8_t part, uint8_t ifnum)
{
        for (size_t i = 0; i < ELEMENTSOF(cp210x_models); i++) {
                const Cp210xModel *m = &cp210x_models[i];

                if (m->part == part && (m->interface < 0 || m->interface == ifnum))
                        return m;
        }
        return &cp210x_models[ELEMENTSOF(cp210x_models) - 1];
}

uint32_t cp210x_rate(const Cp210xModel *m, uint32_t rate)
{
        rate = CLAMP(rate, m->rate_min, m->rate_max);
        if (m->actual_rate) {
                uint32_t prescale = rate <= CP210X_PRESCALE_BELOW ? CP210X_PRESCALE : 1;
                uint32_t div = (CP210X_CLOCK + prescale * rate) / (2 * prescale * rate);

                return CP210X_CLOCK / (2 * prescale * div);
        }
        if (rate >= CP210X_TABLE_BELOW)
                return rate;
        for (size_t i = 0; i < ELEMENTSOF(cp210x_an205); i++)
                if (rate <= cp210x_an205[i].high)
                        return cp210x_an205[i].rate;
        return rate; /* not reached: the last row takes every rate */
}

enum {
        PL2303_TYPE_H,
        PL2303_TYPE_HX,
        PL2303_TYPE_TA,
        PL2303_TYPE_TB,
        PL2303_TYPE_HXD,
        PL2303_TYPE_HXN,
};

/* As the kernel's pl2303_type_data. */
static const Pl2303Model pl2303_models[] = {
        [PL2303_TYPE_H] = {"H", PL2303_RATE_MAX_H, PL2303_ENCODING_DIVISOR, true, false, false,
                           PL2303_FLOW_REG, PL2303_FLOW_MASK, 0, PL2303_FLOW_RTSCTS_H, 0},
        [PL2303_TYPE_HX] = {"HX", PL2303_RATE_MAX_HX, PL2303_ENCODING_DIVISOR, false, false, true,
                            PL2303_FLOW_REG, PL2303_FLOW_MASK, 0, PL2303_FLOW_RTSCTS, PL2303_FLOW_XONXOFF},
        [PL2303_TYPE_TA] = {"TA", PL2303_RATE_MAX_HX, PL2303_ENCODING_DIVISOR_ALT, false, false, true,
                            PL2303_FLOW_REG, PL2303_FLOW_MASK, 0, PL2303_FLOW_RTSCTS, PL2303_FLOW_XONXOFF},
        [PL2303_TYPE_TB] = {"TB", PL2303_RATE_MAX, PL2303_ENCODING_DIVISOR_ALT, false, false, true,
                            PL2303_FLOW_REG, PL2303_FLOW_MASK, 0, PL2303_FLOW_RTSCTS, PL2303_FLOW_XONXOFF},
        [PL2303_TYPE_HXD] = {"HXD", PL2303_RATE_MAX, PL2303_ENCODING_DIVISOR, false, false, true,
                             PL2303_FLOW_REG, PL2303_FLOW_MASK, 0, PL2303_FLOW_RTSCTS, PL2303_FLOW_XONXOFF},
        [PL2303_TYPE_HXN] = {"G", PL2303_RATE_MAX, PL2303_ENCODING_DIRECT, false, true, true,
                             PL2303_HXN_FLOW_REG, PL2303_HXN_FLOW_MASK, PL2303_HXN_FLOW_NONE,
                             PL2303_HXN_FLOW_RTSCTS, PL2303_HXN_FLOW_XONXOFF},
};

/* USB 2.0 releases pl2303_detect_type() takes for an HXN ("G": GC, GT, GL, GE, GS, GR, GT-2AB, GC-Q20). */
static const uint16_t pl2303_hxn_releases[] = {
        0x0100, 0x0105, 0x0305, 0x0400, 0x0405, 0x0505, 0x0600, 0x0605, 0x0700, 0x0705, 0x0905, 0x1005,
};

const Pl2303Model *pl2303_model_hxn(void)
{
        return &pl2303_models[PL2303_TYPE_HXN];
}

const Pl2303Model *pl2303_model_detect(uint8_t device_class, uint8_t max_packet_size0, uint16_t bcd_usb,
                                       uint16_t bcd_device, bool *ret_test)
{
        *ret_test = false;
        if (device_class == PL2303_CLASS_COMM || max_packet_size0 != PL2303_MAX_PACKET0)
                return &pl2303_models[PL2303_TYPE_H];
        switch (bcd_usb) {
        case PL2303_USB_1_0_1:
        case PL2303_USB_1_1:
                return &pl2303_models[bcd_device == PL2303_RELEASE_HXD ? PL2303_TYPE_HXD : PL2303_TYPE_HX];
        case PL2303_USB_2_0:
                if (bcd_device == PL2303_RELEASE_TA || bcd_device == PL2303_RELEASE_TB) {
                        *ret_test = true;
                        return &pl2303_models[bcd_device == PL2303_RELEASE_TA ? PL2303_TYPE_TA
                                                                              : PL2303_TYPE_TB];
                }
                for (size_t i = 0; i < ELEMENTSOF(pl2303_hxn_releases); i++)
                        if (pl2303_hxn_releases[i] == bcd_device)
                                return pl2303_model_hxn();
                return NULL;
        default:
                return NULL;
        }
}
