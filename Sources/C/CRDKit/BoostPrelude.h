// Included before any RDKit header.
//
// Why: the toolchain's clang (21) rejects Boost 1.74's numeric-conversion headers, which
// RDKit pulls in, because their enums have no fixed underlying type and Boost's MPL forms
// `integral_c<enum, -1>` from them ("integer value -1 is outside the valid range"). We
// declare the three enums ourselves with `: int` (same enumerators, values and layout)
// and define their include guards so Boost's own definitions are skipped.
#pragma once

#define BOOST_NUMERIC_CONVERSION_INT_FLOAT_MIXTURE_ENUM_FLC_12NOV2002_HPP
#define BOOST_NUMERIC_CONVERSION_SIGN_MIXTURE_ENUM_FLC_12NOV2002_HPP
#define BOOST_NUMERIC_CONVERSION_UDT_BUILTIN_MIXTURE_ENUM_FLC_12NOV2002_HPP

namespace boost {
namespace numeric {
enum int_float_mixture_enum : int {
    integral_to_integral,
    integral_to_float,
    float_to_integral,
    float_to_float
};
enum sign_mixture_enum : int {
    unsigned_to_unsigned,
    signed_to_signed,
    signed_to_unsigned,
    unsigned_to_signed
};
enum udt_builtin_mixture_enum : int {
    builtin_to_builtin,
    builtin_to_udt,
    udt_to_builtin,
    udt_to_udt
};
}  // namespace numeric
}  // namespace boost
