/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libusb's errors as errnos: a leaf. */
#include <errno.h>

#include "driver-internal.h"

int driver_errno_from_libusb(int libusb_error)
{
        switch (libusb_error) {
        case LIBUSB_SUCCESS:
                return 0;
        case LIBUSB_ERROR_INVALID_PARAM:
                return -EINVAL;
        case LIBUSB_ERROR_ACCESS:
                return -EACCES;
        case LIBUSB_ERROR_NO_DEVICE:
                return -ENODEV;
        case LIBUSB_ERROR_NOT_FOUND:
                return -ENOENT;
        case LIBUSB_ERROR_BUSY:
                return -EBUSY;
        case LIBUSB_ERROR_TIMEOUT:
                return -ETIMEDOUT;
        case LIBUSB_ERROR_OVERFLOW:
                return -EOVERFLOW;
        case LIBUSB_ERROR_PIPE:
                return -EPIPE;
        case LIBUSB_ERROR_INTERRUPTED:
                return -EINTR;
        case LIBUSB_ERROR_NO_MEM:
                return -ENOMEM;
        case LIBUSB_ERROR_NOT_SUPPORTED:
                return -EOPNOTSUPP;
        default:
                return -EIO;
        }
}

int drvhost_driver_errno_from_libusb(int libusb_error)
{
        return libusb_error >= 0 ? libusb_error : driver_errno_from_libusb(libusb_error);
}

bool drvhost_driver_is_unplugged_error(int libusb_error)
{
        return libusb_error == LIBUSB_ERROR_NO_DEVICE;
}
