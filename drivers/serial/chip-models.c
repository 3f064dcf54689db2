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
