use leptos::prelude::*;

use super::form::{FieldError, textarea_text};
use crate::domain::listing::{
    Category, Condition, DESCRIPTION_MAX_CHARS, ListingForm, STOCK_MAX, TITLE_MAX_CHARS,
};
use crate::error::AppError;
use crate::i18n::td_string;
use crate::labels;
use crate::language::current;

/// The fields of a listing, filled from `initial`, each with its message.
/// The browser's own checks mirror the server's rules, which stay the
/// authority.
#[component]
pub fn ListingFields(initial: ListingForm, errors: Signal<Option<AppError>>) -> impl IntoView {
    let l = current();
    let invalid =
        move |field: &'static str| move || errors.get().and_then(|e| e.field_message(field, l)).is_some();
    let category = initial.category.clone();
    let condition = initial.condition.clone();
    view! {
        <div class="field">
            <label for="title">{td_string!(l, listing_form.title)}</label>
            <input id="title" name="title" type="text" required maxlength=TITLE_MAX_CHARS
                value=initial.title aria-invalid=move || invalid("title")().to_string()
                aria-describedby="title-error"/>
            <FieldError errors field="title"/>
        </div>
        <div class="field">
            <label for="description">{td_string!(l, listing_form.description)}</label>
            <textarea id="description" name="description" rows="6" maxlength=DESCRIPTION_MAX_CHARS
                aria-invalid=move || invalid("description")().to_string()
                aria-describedby="description-error">{textarea_text(initial.description)}</textarea>
            <FieldError errors field="description"/>
        </div>
        <div class="field-row">
            <div class="field">
                <label for="category">{td_string!(l, listing_form.category)}</label>
                <select id="category" name="category" required
                    aria-invalid=move || invalid("category")().to_string()>
                    <option value="" selected=category.is_empty()>{td_string!(l, listing_form.choose)}</option>
                    {Category::ALL.iter().copied().map(|c| view! {
                        <option value=c.slug() selected=category == c.slug()>{labels::category(l, c)}</option>
                    }).collect_view()}
                </select>
                <FieldError errors field="category"/>
            </div>
            <div class="field">
                <label for="condition">{td_string!(l, listing_form.condition)}</label>
                <select id="condition" name="condition" required
                    aria-invalid=move || invalid("condition")().to_string()>
                    <option value="" selected=condition.is_empty()>{td_string!(l, listing_form.choose)}</option>
                    {Condition::ALL.iter().copied().map(|c| view! {
                        <option value=c.slug() selected=condition == c.slug()>{labels::condition(l, c)}</option>
                    }).collect_view()}
                </select>
                <FieldError errors field="condition"/>
            </div>
        </div>
        <div class="field-row">
            <div class="field">
                <label for="price">{td_string!(l, listing_form.price)}</label>
                <input id="price" name="price" type="text" inputmode="decimal" required
                    placeholder="0.00" value=initial.price
                    aria-invalid=move || invalid("price")().to_string() aria-describedby="price-error"/>
                <FieldError errors field="price"/>
            </div>
            <div class="field">
                <label for="stock">{td_string!(l, listing_form.stock)}</label>
                <input id="stock" name="stock" type="number" min="0" max=STOCK_MAX step="1" required
                    value=initial.stock
                    aria-invalid=move || invalid("stock")().to_string() aria-describedby="stock-error"/>
                <FieldError errors field="stock"/>
            </div>
        </div>
    }
}
