// trial.config_template: a training config file rendered per trial from a user's
// template, for training code that takes a config file rather than flags (EasyRec's
// pipeline.config, for one). "{{name}}" (spaces inside allowed) becomes the
// parameter's value as a command line would get it (0.001, 48, adam, true), and
// {{trial_id}}, {{budget}}, {{checkpoint_dir}}, {{restore_from}}, {{resume_step}} the
// run's; every other text stays as written. An unknown name is an error at load time.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "mpitune/space.h"
#include "mpitune/status.h"

namespace mpitune {

// The run values a template may name besides the parameters.
bool IsTemplateBuiltin(const std::string& name);

// Fails (BadInput, naming `path` and the placeholder) on a name that is neither a
// parameter of `space` nor a built-in, or an unclosed "{{".
Status CheckConfigTemplate(const std::string& text, const SearchSpace& space, const std::string& path);

// `value_of(name)` gives each placeholder's text (nullopt: unknown, an error).
Result<std::string> RenderConfigTemplate(const std::string& text,
                                         const std::function<std::optional<std::string>(const std::string&)>& value_of);

}  // namespace mpitune
