// The studio's look: the light palette of the platform's style, or a dark one (View > Dark),
// followed by every plot (widgets/plot_theme.h). The choice is kept in the settings.
#pragma once

namespace bcjr::studio {

// Sets the application palette (Fusion style for both, so the two differ only in colour).
void set_dark_palette(bool dark);
bool dark_palette_active();

}  // namespace bcjr::studio
