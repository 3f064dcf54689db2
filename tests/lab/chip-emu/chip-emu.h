/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* chip-emu: a USB-serial chip (FTDI, CP210x, CH34x, PL2303) on the gadget side of the lab, through
 * FunctionFS. main.c says how it is run; chips.c holds what each model is; family-*.c how each
 * family answers its requests. Lab test code, not shipped. */

#include <linux/usb/ch9.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
        EMU_PORTS_MAX = 2,
        EMU_EPS_PER_PORT_MAX = 3,
        /* The longest control transfer any of the drivers sends or reads (a cp210x GET_PROPS is 66). */
        EMU_CTRL_MAX = 512,
        EMU_REGS = 256,
        EMU_PATH_MAX = 4096,
        EMU_DIR_MAX = 1024, /* the control directory: room in a path for a name after it */
};

/* The modem status inputs the scenario sets, family-neutral; each family maps them to its bits. */
enum {
        EMU_MSR_CTS = 1 << 0,
        EMU_MSR_DSR = 1 << 1,
        EMU_MSR_RI = 1 << 2,
        EMU_MSR_DCD = 1 << 3,
};

typedef enum EmuFamily {
        FAMILY_FTDI,
        FAMILY_CP210X,
        FAMILY_CH341,
        FAMILY_PL2303,
        FAMILY_COUNT,
} EmuFamily;

/* What an endpoint of a port is for. */
typedef enum EpRole {
        EP_NONE,
        EP_BULK_IN,
        EP_BULK_OUT,
        EP_INT_IN,
} EpRole;

typedef struct EpSpec {
        EpRole role;
        uint16_t fs_size; /* wMaxPacketSize at full speed */
        uint16_t hs_size; /* and at high speed (high-speed models only) */
        uint8_t interval; /* interrupt endpoints: bInterval at full speed */
} EpSpec;

/* One chip model: what the host sees and the few numbers its family's requests answer with. */
typedef struct ChipModel {
        const char *name;
        EmuFamily family;
        uint16_t vid, pid, bcd_device;
        uint8_t device_class;
        bool high_speed;
        const char *manufacturer, *product;
        unsigned n_ports; /* one interface per port */
        uint8_t intf_class, intf_subclass, intf_protocol;
        /* Endpoints of each interface, in the chip's descriptor order. */
        EpSpec eps[EMU_EPS_PER_PORT_MAX];
        /* CP210x GET_PARTNUM; CH341 READ_VERSION; unused elsewhere. */
        uint8_t chip_id;
} ChipModel;

/* One serial port (one interface) of the emulated chip. The lock guards everything below it. */
typedef struct EmuPort {
        struct Emu *emu;
        unsigned index;
        int ep_fd[EMU_EPS_PER_PORT_MAX];
        uint16_t ep_size[EMU_EPS_PER_PORT_MAX];
        pthread_mutex_t lock;
        pthread_cond_t changed;
        bool notify_pending; /* the modem status changed and the host has not been told yet */
        unsigned msr;        /* EMU_MSR_* */
        bool dtr, rts, brk;
        unsigned breaks; /* how often the break went on */
        uint32_t rate;
        char line[16]; /* "8N1": data bits, parity, stop bits as last set */
        uint8_t latency; /* FTDI latency timer */
        uint8_t escape;  /* CP210x event mode: the escape character, 0 when off */
        uint8_t regs[EMU_REGS];
        uint8_t blocks[EMU_REGS][EMU_CTRL_MAX / 8]; /* CP210x: what SET_* blocks wrote, by request */
        uint8_t line_coding[7];                     /* PL2303: what SET_LINE_REQUEST wrote */
} EmuPort;

typedef struct FamilyOps FamilyOps;

typedef struct Emu {
        const ChipModel *model;
        const FamilyOps *ops;
        int ep0;
        int log_fd;
        /* Held across each control request and each mark or state query (see reqlog.c). */
        pthread_mutex_t log_lock;
        char ctl_dir[EMU_DIR_MAX];
        EmuPort ports[EMU_PORTS_MAX];
        uint16_t eeprom[128]; /* FTDI */
} Emu;

/* A family's behaviour. setup answers one control request: for an IN request it fills reply (up to
 * the request's wLength) and sets *reply_len; for an OUT request data holds what the host sent.
 * Returns 0, or -EPIPE to stall as the chip would. frame_in turns n looped-back bytes into what the
 * chip sends on bulk IN (out has room for 2n + 64); notify builds the packet that tells the host of a
 * modem status change, on the endpoint *role, or returns 0 when the family reports none. */
struct FamilyOps {
        void (*init_port)(EmuPort *p);
        int (*setup)(Emu *e, const struct usb_ctrlrequest *req, const uint8_t *data, uint8_t *reply,
                     size_t *reply_len);
        size_t (*frame_in)(EmuPort *p, const uint8_t *in, size_t n, uint8_t *out);
        size_t (*notify)(EmuPort *p, uint8_t *out, EpRole *role);
};

/* chips.c */
const ChipModel *chip_model_find(const char *name);
void chip_models_list(void);
void chip_model_describe(const ChipModel *m);

/* family-*.c */
extern const FamilyOps family_ftdi_ops, family_cp210x_ops, family_ch341_ops, family_pl2303_ops;

/* port.c: state shared by the threads of a port. */
void port_init(Emu *e, unsigned index);
EmuPort *port_by_index(Emu *e, unsigned index);
void port_set_msr(EmuPort *p, unsigned msr);
void port_set_lines(EmuPort *p, int dtr, int rts);
void port_set_break(EmuPort *p, bool on);
int port_fd(EmuPort *p, EpRole role, uint16_t *size);

/* descriptors.c: FunctionFS descriptors and strings, endpoint files. */
int descriptors_write(Emu *e, const char *ffs_dir);
int endpoints_open(Emu *e, const char *ffs_dir);

/* reqlog.c: one line per control request, and marks; the caller holds e->log_lock. */
void reqlog_request(Emu *e, const struct usb_ctrlrequest *req, const uint8_t *data, size_t len);
void reqlog_note(Emu *e, const char *what);
void reqlog_mark(Emu *e, const char *name);

/* ep0.c: the control endpoint's events, until the function is gone. */
int ep0_loop(Emu *e);

/* data.c: the loopback and the modem status notifications of each port. */
int data_start(Emu *e);

/* ctl.c: the scenario's commands. */
int ctl_start(Emu *e);
