import { normalizeText } from '@rabita/shared';
import type { ObjectDef } from '../metadata/metadata.types.ts';

/** Column header → target: a field key, `address.<part>` for one part of an address, or '' to leave it out. */
export type Mapping = Record<string, string>;

export const ADDRESS_PARTS = ['street', 'city', 'region', 'postalCode', 'country'] as const;

// Header names other systems export (HubSpot, Salesforce, Zoho, Twenty) and common Arabic and Persian ones,
// by target. Field keys and every field's labels (en, ar, fa) are matched besides these.
const SYNONYMS: Record<string, Record<string, string[]>> = {
  people: {
    firstName: [
      'first name',
      'firstname',
      'given name',
      'name first name',
      'name / first name',
      'الاسم',
      'الاسم الاول',
      'نام',
    ],
    lastName: [
      'last name',
      'lastname',
      'surname',
      'family name',
      'name last name',
      'name / last name',
      'اسم العائلة',
      'العائلة',
      'نام خانوادگی',
      'فامیل',
    ],
    emails: [
      'email',
      'e-mail',
      'email address',
      'emails',
      'emails primary email',
      'emails / primary email',
      'primary email',
      'work email',
      'البريد',
      'البريد الالكتروني',
      'ايميل',
      'ایمیل',
      'پست الکترونیک',
    ],
    phones: [
      'phone',
      'phone number',
      'mobile',
      'mobile phone',
      'mobile phone number',
      'mobile number',
      'business phone',
      'work phone',
      'phones primary phone number',
      'phones / primary phone number',
      'الهاتف',
      'هاتف',
      'الجوال',
      'جوال',
      'رقم الجوال',
      'تلفن',
      'شماره تلفن',
      'موبایل',
      'شماره موبایل',
      'تلفن همراه',
    ],
    jobTitle: [
      'title',
      'job title',
      'jobtitle',
      'position',
      'designation',
      'المسمى الوظيفي',
      'الوظيفة',
      'سمت',
      'عنوان شغلی',
    ],
    company: [
      'company',
      'company name',
      'account name',
      'account',
      'associated company',
      'organization',
      'organisation',
      'الشركة',
      'اسم الشركة',
      'شرکت',
      'نام شرکت',
    ],
    lifecycleStage: ['lifecycle stage', 'contact lifecycle stage', 'مرحلة دورة الحياة'],
    source: ['lead source', 'original source', 'source', 'مصدر', 'منبع'],
    tags: ['tags', 'labels', 'الوسوم', 'برچسب'],
    'address.street': [
      'street',
      'street address',
      'address',
      'mailing street',
      'mailing address',
      'address street1',
      'العنوان',
      'آدرس',
      'نشانی',
    ],
    'address.city': ['city', 'mailing city', 'address city', 'المدينة', 'شهر'],
    'address.region': [
      'state',
      'state/region',
      'region',
      'province',
      'mailing state/province',
      'mailing state',
      'address state',
      'المنطقة',
      'استان',
    ],
    'address.postalCode': [
      'zip',
      'zip code',
      'postal code',
      'postcode',
      'mailing zip/postal code',
      'mailing zip',
      'address post code',
      'الرمز البريدي',
      'کد پستی',
    ],
    'address.country': [
      'country',
      'country/region',
      'mailing country',
      'address country',
      'الدولة',
      'البلد',
      'کشور',
    ],
  },
  companies: {
    name: [
      'name',
      'company name',
      'account name',
      'company',
      'organization name',
      'اسم الشركة',
      'الشركة',
      'نام شرکت',
      'شرکت',
    ],
    domains: [
      'domain',
      'website',
      'company domain name',
      'web site',
      'domain name',
      'domain name primary link url',
      'url',
      'الموقع الالكتروني',
      'وب سایت',
      'دامنه',
    ],
    industry: ['industry', 'القطاع', 'صنعت'],
    employees: [
      'employees',
      'number of employees',
      'no of employees',
      'employee count',
      'عدد الموظفين',
      'تعداد کارکنان',
    ],
    annualRevenue: ['annual revenue', 'revenue', 'الايرادات', 'درآمد'],
    phones: ['phone', 'phone number', 'main phone', 'الهاتف', 'تلفن'],
    'address.street': ['street', 'street address', 'address', 'billing street', 'العنوان', 'نشانی'],
    'address.city': ['city', 'billing city', 'المدينة', 'شهر'],
    'address.region': ['state', 'state/region', 'billing state/province', 'استان'],
    'address.postalCode': ['zip', 'postal code', 'billing zip/postal code', 'کد پستی'],
    'address.country': ['country', 'country/region', 'billing country', 'الدولة', 'کشور'],
  },
};

/** Folds a header for comparison: case, Arabic letter forms, digits, punctuation and spacing. */
export function foldHeader(header: string): string {
  return normalizeText(header)
    .replace(/[_\-./:()]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const splitCamel = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

/**
 * Suggests a target for each header from the object's field keys and labels (en, ar, fa) and from the
 * header names HubSpot, Salesforce, Zoho and Twenty export. A target is suggested for one header at most,
 * except list fields (phones, emails, tags), which gather every column mapped to them.
 */
export function suggestMapping(object: ObjectDef, headers: string[]): Mapping {
  const candidates = new Map<string, string>();
  const add = (name: string, target: string) => {
    const folded = foldHeader(name);
    if (folded && !candidates.has(folded)) candidates.set(folded, target);
    const spaceless = folded.replace(/ /g, '');
    if (spaceless && !candidates.has(spaceless)) candidates.set(spaceless, target);
  };
  for (const [target, names] of Object.entries(SYNONYMS[object.key] ?? {}))
    for (const n of names) add(n, target);
  for (const field of object.fields) {
    if (field.readOnly) continue;
    add(field.key, field.key);
    add(splitCamel(field.key), field.key);
    for (const label of Object.values(field.labels)) if (typeof label === 'string') add(label, field.key);
  }
  const typeOf = new Map(object.fields.map((f) => [f.key, f.type]));
  const used = new Set<string>();
  const mapping: Mapping = {};
  for (const header of headers) {
    const folded = foldHeader(header);
    const target = candidates.get(folded) ?? candidates.get(folded.replace(/ /g, ''));
    const type = target === undefined ? undefined : typeOf.get(target);
    const many = type === 'phones' || type === 'emails' || type === 'tags';
    if (target && (many || !used.has(target))) {
      mapping[header] = target;
      used.add(target);
    } else mapping[header] = '';
  }
  return mapping;
}
