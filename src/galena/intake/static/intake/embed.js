/* Galena embeddable form. Served at /f/<slug>/embed.js with the form's configuration in
   place of the placeholder at the bottom. A site includes it with a script element (async)
   whose src is that address, and may give it data-target="#element-id" to choose where the
   form goes (by default: right after the script element).
   Plain ES2017, no framework. Its only request is the POST to Galena's capture API.
   Everything it adds to the page lives under one element with the "glf" class. */
(function (config) {
  "use strict";
  if (!config || typeof document === "undefined") return;

  const script = document.currentScript;
  const text = config.text;
  const loadedAt = Date.now();
  const uid = "glf" + Math.random().toString(36).slice(2, 8);
  let captureUrl = config.captureUrl;
  try {
    // the capture API lives where this script came from, whatever the page's origin
    if (script && script.src) captureUrl = new URL(config.capturePath, script.src).href;
  } catch (error) {
    /* keep the URL Galena wrote */
  }

  const STYLE = [
    ".glf{font:inherit;color:inherit;max-width:32rem;line-height:1.45;text-align:left}",
    ".glf *{box-sizing:border-box}",
    ".glf-field{margin:0 0 .9rem;border:0;padding:0;min-width:0}",
    ".glf-label{display:block;font-weight:600;margin:0 0 .3rem;padding:0;font-size:.95em}",
    ".glf-req{color:#b3261e}",
    ".glf-input{display:block;width:100%;min-height:2.75rem;margin:0;padding:.55rem .7rem;font:inherit;font-size:16px;",
    "color:inherit;background:transparent;border:1px solid #8b95a3;border-radius:6px}",
    ".glf-input:focus{outline:2px solid #1f5fa8;outline-offset:1px}",
    ".glf-input[aria-invalid=true]{border-color:#b3261e}",
    "textarea.glf-input{min-height:5.5rem;resize:vertical}",
    ".glf-check,.glf-option{display:flex;gap:.55rem;align-items:flex-start;margin:0 0 .45rem;font-weight:400;cursor:pointer}",
    ".glf-option{padding:.6rem .75rem;border:1px solid #c3cad4;border-radius:6px}",
    ".glf-check input,.glf-option input{width:1.15rem;height:1.15rem;margin:.15rem 0 0;flex:none}",
    ".glf-error{color:#b3261e;font-weight:600;font-size:.9em;margin:.3rem 0 0}",
    ".glf-alert{color:#b3261e;font-weight:600;margin:0 0 .9rem}",
    ".glf-help{opacity:.8;font-size:.9em;margin:.25rem 0 .5rem}",
    ".glf-actions{display:flex;flex-direction:row-reverse;gap:.6rem;margin-top:1rem}",
    ".glf-button{flex:1;min-height:2.9rem;padding:.6rem 1.1rem;font:inherit;font-weight:700;cursor:pointer;",
    "border:1px solid #1f5fa8;border-radius:6px;background:#1f5fa8;color:#fff}",
    ".glf-button[disabled]{opacity:.65;cursor:progress}",
    ".glf-back{flex:0 0 auto;background:transparent;color:#1f5fa8}",
    ".glf-progress{font-size:.85em;opacity:.8;margin:0 0 .3rem}",
    ".glf-bar{height:.4rem;border-radius:1rem;background:#e1e7ef;overflow:hidden;margin:0 0 1rem}",
    ".glf-bar span{display:block;height:100%;background:#1f5fa8}",
    ".glf-question{font-size:1.2em;font-weight:700;margin:0 0 .7rem}",
    ".glf legend{padding:0}",
    ".glf [hidden]{display:none!important}",
    ".glf-thanks{font-weight:600;padding:1rem;border-radius:8px;background:#e3f4ea;color:#17452b}",
    ".glf-thanks:focus{outline:none}",
    ".glf-thanks p{margin:0 0 .5rem}",
    ".glf-incentive{margin:.75rem 0 0;padding:.8rem;border:2px dashed #1d7a46;border-radius:8px;text-align:center;background:#fff}",
    ".glf-incentive strong{display:block;font-size:1.4em;letter-spacing:.04em}",
    ".glf-trap{position:absolute!important;left:-10000px!important;width:1px;height:1px;overflow:hidden}",
  ].join("");

  // --- small helpers -------------------------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => {
      if (value === false || value === null || value === undefined) return;
      if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    children.flat().forEach((child) => {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));
  }

  function randomKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function visitorId() {
    try {
      let id = window.localStorage.getItem("galena_visitor");
      if (!id) {
        id = randomKey();
        window.localStorage.setItem("galena_visitor", id);
      }
      return id;
    } catch (error) {
      return "";
    }
  }

  function pad(n) {
    return String(Math.floor(Math.abs(n))).padStart(2, "0");
  }

  // a datetime-local value read in the browser's zone, as ISO 8601 with its offset
  function withOffset(local) {
    const date = new Date(local);
    if (isNaN(date.getTime())) return "";
    const offset = -date.getTimezoneOffset();
    return (
      `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
      `T${pad(date.getHours())}:${pad(date.getMinutes())}:00` +
      `${offset >= 0 ? "+" : "-"}${pad(offset / 60)}:${pad(offset % 60)}`
    );
  }

  // a moment as a datetime-local value in the browser's zone: "2026-05-01T15:00"
  function localMinute(date) {
    return (
      `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
      `T${pad(date.getHours())}:${pad(date.getMinutes())}`
    );
  }

  function attribution() {
    const params = new URLSearchParams(window.location.search);
    const values = {};
    ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach((name) => {
      const value = params.get(name);
      if (value) values[name] = value.slice(0, 200);
    });
    if (document.referrer) values.referrer = document.referrer.slice(0, 2000);
    values.landing_page = window.location.href.slice(0, 2000);
    return values;
  }

  // --- where the form goes ---------------------------------------------------------------

  function mount() {
    if (!document.getElementById("glf-style")) {
      document.head.appendChild(el("style", { id: "glf-style" }, STYLE));
    }
    const root = el("div", { class: "glf", "data-galena-form": config.kind });
    const selector = script && script.getAttribute("data-target");
    const target = selector ? document.querySelector(selector) : null;
    if (target) target.appendChild(root);
    else if (script && script.parentNode) script.parentNode.insertBefore(root, script.nextSibling);
    else document.body.appendChild(root);
    return root;
  }

  // --- fields --------------------------------------------------------------------------------

  function requiredMark(required) {
    return required ? [" ", el("span", { class: "glf-req", "aria-hidden": "true" }, "*")] : [];
  }

  function errorSlot(id) {
    return el("p", { class: "glf-error", id: id, hidden: true });
  }

  // One field: its element, how to read it, how to show an error on it.
  function makeField(field) {
    const id = `${uid}-${field.name}`;
    const errorId = `${id}-error`;
    const error = errorSlot(errorId);
    let wrapper;
    let inputs;
    if (field.type === "radio") {
      inputs = field.options.map(([value, label]) =>
        el("input", { type: "radio", name: field.name, value: value, required: field.required })
      );
      wrapper = el(
        "fieldset",
        { class: "glf-field" },
        el("legend", { class: "glf-label" }, field.label, requiredMark(field.required)),
        inputs.map((input, i) => el("label", { class: "glf-check" }, input, field.options[i][1])),
        error
      );
    } else if (field.type === "checkbox") {
      inputs = [el("input", { type: "checkbox", id: id, name: field.name, value: "on" })];
      wrapper = el(
        "div",
        { class: "glf-field" },
        el("label", { class: "glf-check", for: id }, inputs[0], field.label, requiredMark(field.required)),
        error
      );
    } else {
      let input;
      const common = {
        id: id,
        name: field.name,
        class: "glf-input",
        required: field.required,
        placeholder: field.placeholder || null,
        "aria-describedby": errorId,
      };
      if (field.type === "textarea") input = el("textarea", Object.assign({ rows: 4 }, common));
      else if (field.type === "select") {
        input = el(
          "select",
          common,
          el("option", { value: "" }, text.choose),
          field.options.map(([value, label]) => el("option", { value: value }, label))
        );
      } else {
        const type = ["email", "tel", "number", "date", "url"].includes(field.type) ? field.type : "text";
        input = el("input", Object.assign({ type: type, autocomplete: field.autocomplete }, common));
        if (type === "number") input.setAttribute("step", "any");
      }
      inputs = [input];
      wrapper = el(
        "div",
        { class: "glf-field" },
        el("label", { class: "glf-label", for: id }, field.label, requiredMark(field.required)),
        input,
        field.help ? el("p", { class: "glf-help" }, field.help) : null,
        error
      );
    }
    return {
      field: field,
      element: wrapper,
      value() {
        if (field.type === "radio") {
          const chosen = inputs.find((input) => input.checked);
          return chosen ? chosen.value : "";
        }
        if (field.type === "checkbox") return inputs[0].checked ? "on" : "";
        return inputs[0].value.trim();
      },
      showError(message) {
        error.textContent = message || "";
        error.hidden = !message;
        inputs.forEach((input) => {
          if (message) input.setAttribute("aria-invalid", "true");
          else input.removeAttribute("aria-invalid");
        });
      },
      focus() {
        inputs[0].focus();
      },
    };
  }

  function makeCallbackTime() {
    const name = `${uid}-when`;
    const now = el("input", { type: "radio", name: name, value: "now", checked: true });
    const at = el("input", { type: "radio", name: name, value: "at" });
    const local = el("input", {
      type: "datetime-local",
      class: "glf-input",
      id: `${uid}-time`,
      min: localMinute(new Date()),
    });
    const error = errorSlot(`${uid}-time-error`);
    const time = el(
      "div",
      { hidden: true },
      el("label", { class: "glf-label", for: `${uid}-time` }, text.callTime),
      local
    );
    const element = el(
      "fieldset",
      { class: "glf-field" },
      el("legend", { class: "glf-label" }, text.callWhen),
      el("label", { class: "glf-check" }, now, text.callNow),
      el("label", { class: "glf-check" }, at, text.callAt),
      time,
      error
    );
    // the time is asked only for "at a time I choose"
    element.addEventListener("change", () => {
      time.hidden = !at.checked;
      if (at.checked && !local.value) local.focus();
    });
    return {
      element: element,
      // [value to send, error to show]
      read() {
        if (!at.checked) return ["", ""];
        if (!local.value) return ["", text.callTimeMissing];
        const date = new Date(local.value);
        if (date.getTime() < Date.now() - 5 * 60 * 1000) return ["", text.callTimePast];
        return [withOffset(local.value), ""];
      },
      showError(message) {
        error.textContent = message || "";
        error.hidden = !message;
      },
      focus() {
        local.focus();
      },
    };
  }

  // --- sending ---------------------------------------------------------------------------------

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  // POST the fields to the capture API. The Idempotency-Key is made once per submission and
  // kept for every retry of it, so a retry after a lost answer never stores it twice.
  async function send(state, data) {
    if (!state.key) state.key = randomKey();
    for (let attempt = 1; ; attempt += 1) {
      let response;
      try {
        response = await fetch(captureUrl, {
          method: "POST",
          mode: "cors",
          credentials: "omit",
          headers: { "Content-Type": "application/json", "Idempotency-Key": state.key },
          body: JSON.stringify(data),
        });
      } catch (error) {
        response = null; // offline, or the answer was lost
      }
      if (response && response.status < 500) {
        let body = {};
        try {
          body = await response.json();
        } catch (error) {
          body = {};
        }
        if (response.ok) return { ok: true, body: body };
        if (response.status !== 429) state.key = null; // refused: nothing was stored
        return { ok: false, error: (body && body.error) || { message: text.failed } };
      }
      if (attempt >= 3) return { ok: false, error: { message: text.failed } };
      await sleep(attempt * 1500);
    }
  }

  function showThanks(root, body) {
    if (body.redirect_url && /^https?:\/\//i.test(body.redirect_url)) {
      window.location.assign(body.redirect_url);
      return;
    }
    const message = body.message || text.thanks;
    root.replaceChildren(
      el(
        "div",
        { class: "glf-thanks", role: "status", tabindex: "-1" },
        message.split(/\n+/).map((line) => el("p", {}, line)),
        body.incentive
          ? el("div", { class: "glf-incentive" }, text.incentive, el("strong", {}, body.incentive))
          : null
      )
    );
    root.firstChild.focus();
  }

  // --- a form of fields (the form itself, a callback widget, a quiz's last step) ------------

  function contactForm(root, options) {
    const fields = config.fields.map(makeField);
    const byName = {};
    fields.forEach((f) => {
      byName[f.field.name] = f;
      if (!byName[f.field.canonical]) byName[f.field.canonical] = f;
    });
    const callbackTime = config.kind === "callback" ? makeCallbackTime() : null;
    const consentId = `${uid}-consent`;
    const consent = config.consent ? el("input", { type: "checkbox", id: consentId, value: "on" }) : null;
    const trap = el("input", { type: "text", name: "_hp", tabindex: "-1", autocomplete: "off" });
    const alert = el("p", { class: "glf-alert", role: "alert", hidden: true });
    const submitButton = el("button", { type: "submit", class: "glf-button" }, options.submitLabel);
    const actions = el("div", { class: "glf-actions" }, submitButton);
    if (options.onBack) {
      const back = el("button", { type: "button", class: "glf-button glf-back" }, text.back);
      back.addEventListener("click", options.onBack);
      actions.appendChild(back);
    }
    const form = el(
      "form",
      { novalidate: true },
      options.header || null,
      alert,
      fields.map((f) => f.element),
      callbackTime ? callbackTime.element : null,
      consent
        ? el("div", { class: "glf-field" }, el("label", { class: "glf-check", for: consentId }, consent, config.consent))
        : null,
      el("div", { class: "glf-trap", "aria-hidden": "true" }, trap),
      actions
    );
    const sending = {};

    function clearErrors() {
      fields.forEach((f) => f.showError(""));
      if (callbackTime) callbackTime.showError("");
      alert.hidden = true;
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (submitButton.disabled) return;
      clearErrors();
      let firstBad = null;
      fields.forEach((f) => {
        if (f.field.required && !f.value()) {
          f.showError(text.requiredError);
          firstBad = firstBad || f;
        }
      });
      const data = Object.assign({}, attribution(), options.extra ? options.extra() : {});
      if (callbackTime) {
        const [value, problem] = callbackTime.read();
        if (problem) {
          callbackTime.showError(problem);
          firstBad = firstBad || callbackTime;
        } else if (value) data.callback_at = value;
      }
      if (firstBad) {
        firstBad.focus();
        return;
      }
      fields.forEach((f) => {
        const value = f.value();
        if (value) data[f.field.name] = value;
      });
      if (consent && consent.checked) data.consent = true;
      data._hp = trap.value;
      data._ts = Date.now() - loadedAt;
      const visitor = visitorId();
      if (visitor) data._visitor = visitor;
      submitButton.disabled = true;
      const label = submitButton.textContent;
      submitButton.textContent = text.sending;
      const result = await send(sending, data);
      submitButton.disabled = false;
      submitButton.textContent = label;
      if (result.ok) {
        showThanks(root, result.body);
        return;
      }
      const problems = Object.entries(result.error.fields || {});
      const general = [];
      problems.forEach(([name, message]) => {
        const target = name === "callback_at" ? callbackTime : byName[name];
        if (target) target.showError(message);
        else general.push(message);
      });
      if (!problems.length) general.push(result.error.message || text.failed);
      if (general.length) {
        alert.textContent = general.join(" ");
        alert.hidden = false;
      }
      const named = problems.map(([name]) => byName[name]);
      const bad = fields.find((f) => named.includes(f)); // the first in the form's order
      if (bad) bad.focus();
      else alert.scrollIntoView({ block: "nearest" });
    });
    root.replaceChildren(form);
    return form;
  }

  // --- quizzes -------------------------------------------------------------------------------

  function runQuiz(root) {
    const quiz = config.quiz;
    const steps = {};
    quiz.steps.forEach((step) => {
      steps[step.id] = step;
    });
    const answers = {};
    let at = quiz.start;

    function nextOf(step, answer) {
      if (step.type === "single") {
        const option = step.options.find((o) => o.value === answer);
        if (option && option.next) return option.next;
      }
      if (step.type === "multiple" && Array.isArray(answer)) {
        const option = step.options.find((o) => answer.includes(o.value) && o.next);
        if (option) return option.next;
      }
      return step.next;
    }

    function path() {
      const walked = [];
      let id = quiz.start;
      while (id !== "end" && steps[id] && !walked.includes(id)) {
        walked.push(id);
        if (!(id in answers)) break;
        id = nextOf(steps[id], answers[id]);
      }
      return walked;
    }

    const longest = {};
    function remaining(id) {
      if (id === "end") return 0;
      if (!(id in longest)) {
        const step = steps[id];
        const targets = step.options.map((o) => o.next || step.next).concat([step.next]);
        longest[id] = 1 + Math.max(...targets.map(remaining));
      }
      return longest[id];
    }

    function bar(number, total) {
      const filled = el("span");
      // set through the CSSOM: a style attribute would be refused by a strict CSP
      filled.style.width = `${Math.round((100 * number) / total)}%`;
      return filled;
    }

    function progress(number, total) {
      return [
        el("p", { class: "glf-progress" }, format(text.step, { number: number, total: total })),
        el("div", { class: "glf-bar", "aria-hidden": "true" }, bar(number, total)),
      ];
    }

    function previous() {
      const walked = path();
      if (at === "end") return walked[walked.length - 1];
      const index = walked.indexOf(at);
      return index > 0 ? walked[index - 1] : null;
    }

    function quizAnswers() {
      const walked = path().filter((id) => id in answers);
      const questions = walked.map((id) => steps[id].question);
      const result = {};
      walked.forEach((id) => {
        const step = steps[id];
        let answer = answers[id];
        if (answer === null || answer === "" || (Array.isArray(answer) && !answer.length)) return;
        const label = (value) => (step.options.find((o) => o.value === value) || { label: value }).label;
        if (step.type === "single") answer = label(answer);
        if (step.type === "multiple") answer = answer.map(label);
        const unique = questions.filter((q) => q === step.question).length === 1;
        result[unique ? step.question : `${step.question} (${id})`] = answer;
      });
      return result;
    }

    function showContacts() {
      const walked = path();
      contactForm(root, {
        submitLabel: text.finish,
        header: el("div", {}, progress(walked.length + 1, walked.length + 1), el("p", { class: "glf-question" }, text.contacts)),
        extra: () => ({ quiz_answers: quizAnswers() }),
        onBack: () => {
          at = previous();
          show();
        },
      });
    }

    function showStep() {
      const step = steps[at];
      const walked = path();
      const index = walked.indexOf(at);
      const number = index + 1;
      const total = index + remaining(at) + 1;
      const errorId = `${uid}-answer-error`;
      const error = errorSlot(errorId);
      const previousAnswer = answers[at];
      let read;
      let body;
      if (step.type === "single" || step.type === "multiple") {
        const chosen = Array.isArray(previousAnswer) ? previousAnswer : [previousAnswer];
        const inputs = step.options.map((o) =>
          el("input", {
            type: step.type === "single" ? "radio" : "checkbox",
            name: `${uid}-answer`,
            value: o.value,
            checked: chosen.includes(o.value),
          })
        );
        body = el(
          "fieldset",
          { class: "glf-field", "aria-describedby": errorId },
          el("legend", { class: "glf-question" }, step.question),
          inputs.map((input, i) => el("label", { class: "glf-option" }, input, step.options[i].label)),
          error
        );
        read = () => {
          const values = inputs.filter((input) => input.checked).map((input) => input.value);
          if (!values.length) return step.required ? [undefined, text.chooseAnswer] : [step.type === "multiple" ? [] : null, ""];
          return [step.type === "single" ? values[0] : values, ""];
        };
      } else {
        const id = `${uid}-answer`;
        const input =
          step.type === "number"
            ? el("input", { type: "text", inputmode: "decimal", class: "glf-input", id: id, "aria-describedby": errorId })
            : el("textarea", { class: "glf-input", id: id, rows: 3, maxlength: 500, "aria-describedby": errorId });
        if (previousAnswer !== undefined && previousAnswer !== null) input.value = String(previousAnswer);
        body = el("div", { class: "glf-field" }, el("label", { class: "glf-question", for: id }, step.question), input, error);
        read = () => {
          const value = input.value.trim();
          if (!value) {
            if (!step.required) return [null, ""];
            return [undefined, step.type === "number" ? text.enterNumber : text.writeAnswer];
          }
          if (step.type !== "number") return [value, ""];
          const number = Number(value.replace(/\s/g, "").replace(",", "."));
          if (!isFinite(number)) return [undefined, text.enterNumber];
          if (step.min !== null && number < step.min) return [undefined, format(text.min, { number: step.min })];
          if (step.max !== null && number > step.max) return [undefined, format(text.max, { number: step.max })];
          return [number, ""];
        };
      }
      const next = el("button", { type: "submit", class: "glf-button" }, text.next);
      const actions = el("div", { class: "glf-actions" }, next);
      if (index > 0) {
        const back = el("button", { type: "button", class: "glf-button glf-back" }, text.back);
        back.addEventListener("click", () => {
          at = previous();
          show();
        });
        actions.appendChild(back);
      }
      const form = el("form", { novalidate: true }, progress(number, total), body, actions);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const [answer, problem] = read();
        if (problem) {
          error.textContent = problem;
          error.hidden = false;
          return;
        }
        answers[at] = answer;
        at = nextOf(step, answer);
        show();
      });
      root.replaceChildren(form);
    }

    function show() {
      if (at === "end") showContacts();
      else showStep();
      // moving between steps: take the keyboard to the new question (not on the first one,
      // which would scroll the host page)
      const first = root.querySelector("input:not([tabindex='-1']), textarea, select");
      if (first && root.dataset.started) first.focus();
      root.dataset.started = "1";
    }

    show();
  }

  const root = mount();
  if (config.kind === "quiz" && config.quiz) runQuiz(root);
  else {
    contactForm(root, { submitLabel: config.kind === "callback" ? text.callSubmit : text.submit });
  }
})(/*CONFIG*/null);
