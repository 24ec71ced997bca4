// Marks the symbols libcheckpw.so exports; everything else is built hidden.
#pragma once

#define CHECKPW_API __attribute__((visibility("default")))
