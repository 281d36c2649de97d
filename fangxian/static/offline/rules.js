// Checks an entry on the phone, before it is kept, with the rules the server serves to the
// page (apikit.device_rules: the API's own limits and its own words), so that what the server
// would refuse at sync is refused at once, offline too, while the person is still there.
window.fangxianRules = function (rules) {
  "use strict";
  // As the server reads what people type: full-width digits and letters, stray spaces.
  const plain = (value) => (value === null || value === undefined ? "" : String(value).normalize("NFKC").trim());

  // "36,6" (a keypad's decimal comma), "36。6" and "３６．６" are 36.6, as clean_temperature reads them.
  function temperature(value) {
    const text = plain(value).replace(/[,。]/g, ".").replace(/\s*(°C|℃|°|度)$/, "");
    if (text === "") return null;
    return /^\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 10) / 10 : NaN;
  }

  function problem(rule, value) {
    const text = plain(value);
    if (rule.temperature) {
      const t = temperature(value);
      const [low, high, words] = rule.temperature;
      if (t !== null && !(t >= low && t <= high)) return words;
    }
    // A day that cannot be before today (a return date): ISO dates compare as text.
    if (rule.notBeforeToday && text && text < new Date().toLocaleDateString("sv")) return rule.notBeforeToday;
    const length = [...text].length;  // characters, as the server counts them
    if (rule.minLength && length < rule.minLength[0]) return rule.minLength[1];
    if (rule.maxLength && length > rule.maxLength[0]) return rule.maxLength[1];
    if (rule.pattern && text && !new RegExp(rule.pattern[0], "u").test(text)) return rule.pattern[1];
    return "";
  }

  // {field: words} for what is wrong; empty when the entry may be kept.
  function check(values) {
    const errors = {};
    for (const [name, rule] of Object.entries(rules)) {
      if (name === "__all__") continue;
      if (!(name in values)) continue;
      const words = problem(rule, values[name]);
      if (words) errors[name] = words;
    }
    const whole = rules.__all__;
    if (whole && whole.oneOf) {
      const [names, words] = whole.oneOf;
      const given = names.filter((n) => plain(values[n]) !== "").length;
      if (given !== 1) errors.__all__ = words;
    }
    return errors;
  }

  return { check, temperature, plain };
};
